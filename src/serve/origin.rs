//! Which web pages may open a Socket.IO connection to the classroom: the chat's own page, pages
//! of the origins the teacher allowed with `--allow-origin`, and clients that send no `Origin`
//! header at all (scripts, the bots, curl; a browser always sends one on a cross-site request).
//!
//! Browsers do not apply the same-origin policy to WebSockets, and a polling handshake is a
//! plain GET: without this check any site a student has open could join the chat in their name
//! and read it. The check runs in front of socketioxide, on every `/socket.io/` request (the
//! polling handshake, each poll, and the WebSocket upgrade), and refuses with 403.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The origins allowed besides the page's own, normalised (lower case, no trailing slash).
#[derive(Debug, Clone, Default)]
pub struct Origins(Arc<[String]>);

impl Origins {
    /// Checks the `--allow-origin` values: each is `scheme://host[:port]`, or `*` for any.
    pub fn parse(values: &[String]) -> Result<Origins, String> {
        let mut origins = Vec::new();
        for value in values {
            let origin = normalise(value);
            let valid = origin == "*"
                || ["http://", "https://"].iter().any(|scheme| {
                    origin
                        .strip_prefix(scheme)
                        .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
                });
            if !valid {
                return Err(format!(
                    "--allow-origin {value:?} is not an origin: write it as a browser sends it, \
                     scheme and host (and port), such as http://localhost:5173"
                ));
            }
            origins.push(origin);
        }
        Ok(Origins(origins.into()))
    }

    /// Whether a request with these headers may go on to socketioxide.
    pub fn allows(&self, headers: &HeaderMap) -> bool {
        let Some(origin) = headers.get(header::ORIGIN) else {
            return true;
        };
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        let origin = normalise(origin);
        // The page's own origin: the browser loaded the chat from this very Host.
        let own = headers
            .get(header::HOST)
            .and_then(|host| host.to_str().ok())
            .is_some_and(|host| {
                let host = host.to_ascii_lowercase();
                origin == format!("http://{host}") || origin == format!("https://{host}")
            });
        own || self
            .0
            .iter()
            .any(|allowed| allowed == "*" || *allowed == origin)
    }
}

fn normalise(origin: &str) -> String {
    origin.trim().trim_end_matches('/').to_ascii_lowercase()
}

/// The middleware: a foreign origin gets 403 and a sentence saying how to allow it.
pub async fn check(State(origins): State<Origins>, request: Request, next: Next) -> Response {
    if origins.allows(request.headers()) {
        return next.run(request).await;
    }
    (
        StatusCode::FORBIDDEN,
        "this classroom accepts connections from its own page only; the teacher can allow \
         another origin with --allow-origin\n",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(origin: Option<&'static str>, host: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static(host));
        if let Some(origin) = origin {
            headers.insert(header::ORIGIN, HeaderValue::from_static(origin));
        }
        headers
    }

    #[test]
    fn the_own_page_and_scripts_are_allowed_others_are_not() {
        let none = Origins::default();
        assert!(none.allows(&headers(None, "127.0.0.1:3000")));
        assert!(none.allows(&headers(Some("http://127.0.0.1:3000"), "127.0.0.1:3000")));
        assert!(!none.allows(&headers(Some("https://evil.example"), "127.0.0.1:3000")));
        assert!(!none.allows(&headers(Some("http://127.0.0.1:3001"), "127.0.0.1:3000")));
        assert!(!none.allows(&headers(Some("null"), "127.0.0.1:3000")));
    }

    #[test]
    fn allow_origin_widens_it() {
        let dev = Origins::parse(&["http://localhost:5173/".into()]).unwrap_or_default();
        assert!(dev.allows(&headers(Some("http://localhost:5173"), "127.0.0.1:3000")));
        assert!(!dev.allows(&headers(Some("https://evil.example"), "127.0.0.1:3000")));
        let any = Origins::parse(&["*".into()]).unwrap_or_default();
        assert!(any.allows(&headers(Some("https://evil.example"), "127.0.0.1:3000")));
        assert!(Origins::parse(&["localhost:5173".into()]).is_err());
        assert!(Origins::parse(&["http://x/path".into()]).is_err());
    }
}

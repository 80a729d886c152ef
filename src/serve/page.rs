//! The chat page and its files, built into the binary, and the HTTP routes that serve them.
//!
//! The page loads the official Socket.IO browser client either from its public CDN (pinned, with
//! a Subresource Integrity hash, so a tampered copy is refused by the browser) or, with
//! `--client-js FILE`, from this server at `/socket.io/socket.io.js`: the path the official Node
//! server uses, so a page written for the official tutorial finds its client here too.

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

const INDEX_HTML: &str = include_str!("../../assets/index.html");
const STYLE_CSS: &str = include_str!("../../assets/style.css");
const CHAT_JS: &str = include_str!("../../assets/chat.js");
/// The official Socket.IO tutorial's final `index.html`, unchanged, served at [`OFFICIAL_PATH`]:
/// the minimal page to show the class next to the full one, and proof that a page written for
/// the tutorial works here (it loads `/socket.io/socket.io.js` and calls `io()`).
const OFFICIAL_HTML: &str = include_str!("../../assets/official.html");
pub const OFFICIAL_PATH: &str = "/official";

/// The place in `index.html` where the client's `<script>` tag goes.
const CLIENT_PLACEHOLDER: &str = "<!-- socket.io client -->";

/// The official client's version the page loads from the CDN. It matches the `socket.io-client`
/// pinned in `tests/node/package.json`, whose `dist/socket.io.min.js` is the very file jsDelivr
/// serves for this version (jsDelivr serves npm packages byte for byte, which is why it is used
/// rather than a CDN that builds its own copy).
pub const CLIENT_VERSION: &str = "4.8.4";
pub const CLIENT_CDN_URL: &str =
    "https://cdn.jsdelivr.net/npm/socket.io-client@4.8.4/dist/socket.io.min.js";
/// `sha384` of that file, base64, as the `integrity` attribute wants it. A test recomputes it
/// from `tests/node/node_modules/socket.io-client/dist/socket.io.min.js`.
pub const CLIENT_SRI: &str =
    "sha384-fBrXvbDtHoeKWJ/hcA6M+YGueiDW+h45I7V6F2kD1S8bOkrF9rZYPLVkCR6BLR/1";

/// The path a page written for the official tutorial loads its client from.
pub const CLIENT_PATH: &str = "/socket.io/socket.io.js";

/// Where the browser gets the Socket.IO client.
#[derive(Clone)]
pub enum ClientScript {
    /// The public CDN, pinned with an integrity hash.
    Cdn,
    /// A local file (`--client-js`), read once at start.
    Local(Arc<[u8]>),
}

impl ClientScript {
    /// Reads `--client-js FILE` if given. The error reads as a sentence.
    pub fn from_option(file: Option<&Path>) -> Result<ClientScript, String> {
        let Some(path) = file else {
            return Ok(ClientScript::Cdn);
        };
        let bytes = std::fs::read(path).map_err(|error| {
            format!(
                "cannot read the Socket.IO client {}: {error}\n  get one with: npm pack socket.io-client@{CLIENT_VERSION} (see README.md, `serve`)",
                path.display()
            )
        })?;
        Ok(ClientScript::Local(bytes.into()))
    }

    fn script_tag(&self) -> String {
        match self {
            ClientScript::Cdn => format!(
                r#"<script src="{CLIENT_CDN_URL}" integrity="{CLIENT_SRI}" crossorigin="anonymous"></script>"#
            ),
            ClientScript::Local(_) => format!(r#"<script src="{CLIENT_PATH}"></script>"#),
        }
    }
}

#[derive(Clone)]
struct Page {
    html: Arc<str>,
    client: ClientScript,
}

/// The page's routes. Everything else (`/socket.io/...`) falls through to `socket_io`.
pub fn router(client: ClientScript, socket_io: Router) -> Router {
    let page = Page {
        html: INDEX_HTML
            .replace(CLIENT_PLACEHOLDER, &client.script_tag())
            .into(),
        client,
    };
    Router::new()
        .route("/", get(index))
        .route("/style.css", get(style))
        .route("/chat.js", get(script))
        .route(OFFICIAL_PATH, get(official))
        .route(CLIENT_PATH, get(client_js))
        .with_state(page)
        .fallback_service(socket_io)
}

/// What the page may load and connect to. Every text a student sends is already shown with
/// `textContent`; this policy is the second lock: no inline script runs, whatever slips
/// through.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self' https://cdn.jsdelivr.net; \
style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
frame-ancestors 'none'";

async fn index(State(page): State<Page>) -> Response {
    let mut response = (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page.html.to_string(),
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// The tutorial's page has its script and style inline, so its policy allows inline code; the
/// page itself shows messages with `textContent`, so student text is still never markup.
const OFFICIAL_POLICY: &str = "default-src 'none'; script-src 'self' https://cdn.jsdelivr.net \
'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; \
form-action 'none'; frame-ancestors 'none'";

async fn official() -> Response {
    let mut response = (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        OFFICIAL_HTML,
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(OFFICIAL_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

async fn style() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        STYLE_CSS,
    )
}

async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        CHAT_JS,
    )
}

/// The client at the official path: the local copy, or a redirect to the pinned CDN file.
async fn client_js(State(page): State<Page>) -> Response {
    match page.client {
        ClientScript::Local(bytes) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
            bytes.to_vec(),
        )
            .into_response(),
        ClientScript::Cdn => Redirect::temporary(CLIENT_CDN_URL).into_response(),
    }
}

//! Opening the port and saying where the class can find it: binding with errors a teacher can
//! act on, a queue deep enough for a class arriving at once, TCP_NODELAY on every connection,
//! and the URLs to write on the board.

use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};

use tokio::net::{TcpListener, TcpSocket};

/// How many connections the kernel keeps waiting for the server to accept them. A class
/// connecting at once sends its connection requests within milliseconds; with tokio's default
/// (1,024, which also sizes the kernel's queue of half-open connections) 1,000 clients at once
/// overflowed it: `nstat` counted 491 ListenOverflows and 370 SYN retransmissions in one such
/// connect, and a retransmitted SYN waits a full second, so the class took 1.3 s to get in
/// instead of a few hundred milliseconds. Linux caps it at `net.core.somaxconn` (4,096 by
/// default since 5.4).
const BACKLOG: u32 = 4096;

/// Binds `host:port`. The error says what to do next (`--port 0` when the port is taken).
pub async fn bind(host: &str, port: u16) -> Result<TcpListener, String> {
    listen(host, port).await.map_err(|error| match error.kind() {
        ErrorKind::AddrInUse => format!(
            "port {port} is already in use on {host} (another server, or another sio-tutor serve?).\n  try: sio-tutor serve --port 0   (picks a free port and prints it)"
        ),
        ErrorKind::PermissionDenied => format!(
            "this user may not listen on port {port} (ports below 1024 need root).\n  try: sio-tutor serve --port 3000   or   --port 0"
        ),
        ErrorKind::AddrNotAvailable => format!(
            "cannot listen on {host}: this machine has no such address.\n  try: --host 127.0.0.1 (this machine only) or --host 0.0.0.0 (the local network)"
        ),
        _ => format!("cannot listen on {host}:{port}: {error}"),
    })
}

/// `TcpListener::bind` with a deeper queue ([`BACKLOG`]): the first of `host`'s addresses that
/// can be bound, as `bind` does, with the address reusable at once after a restart, as `bind`
/// does on Unix.
async fn listen(host: &str, port: u16) -> std::io::Result<TcpListener> {
    let mut last = None;
    for address in tokio::net::lookup_host((host, port)).await? {
        let socket = match address {
            SocketAddr::V4(_) => TcpSocket::new_v4()?,
            SocketAddr::V6(_) => TcpSocket::new_v6()?,
        };
        #[cfg(unix)]
        socket.set_reuseaddr(true)?;
        match socket.bind(address).and_then(|()| socket.listen(BACKLOG)) {
            Ok(listener) => return Ok(listener),
            Err(error) => last = Some(error),
        }
    }
    Err(last.unwrap_or_else(|| {
        std::io::Error::new(ErrorKind::AddrNotAvailable, "the host has no address")
    }))
}

/// The URLs students can open. For `0.0.0.0` (every interface) that is this machine's address
/// on the local network, plus the loopback one for the teacher's own browser.
pub fn urls(address: SocketAddr) -> Vec<String> {
    let url = |ip: IpAddr| format!("http://{}/", SocketAddr::new(ip, address.port()));
    if !address.ip().is_unspecified() {
        return vec![url(address.ip())];
    }
    let mut urls = vec![url(IpAddr::V4(Ipv4Addr::LOCALHOST))];
    if let Some(ip) = lan_address() {
        urls.push(url(ip));
    }
    urls
}

/// Whether people other than this machine's users can reach the server.
pub fn is_open_to_network(address: SocketAddr) -> bool {
    !address.ip().is_loopback()
}

/// This machine's address on its main network. "Connecting" a UDP socket sends nothing; it only
/// asks the kernel which local address it would route from, which is the address the others on
/// that network see. (192.0.2.1 is a documentation address; no packet goes to it.) No route, no
/// answer: then only the loopback URL is printed.
fn lan_address() -> Option<IpAddr> {
    let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    socket.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_unspecified() && !ip.is_loopback()).then_some(ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loopback_address_is_its_own_url() {
        let address: SocketAddr = "127.0.0.1:3000".parse().unwrap_or_else(|_| unreachable!());
        assert_eq!(urls(address), vec!["http://127.0.0.1:3000/".to_string()]);
        assert!(!is_open_to_network(address));
    }

    #[test]
    fn every_interface_lists_loopback_first() {
        let address: SocketAddr = "0.0.0.0:3000".parse().unwrap_or_else(|_| unreachable!());
        assert_eq!(urls(address)[0], "http://127.0.0.1:3000/");
        assert!(is_open_to_network(address));
    }

    #[tokio::test]
    async fn a_port_in_use_suggests_port_zero() {
        // A bind that fails here must fail the test, not skip what it checks.
        let taken = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free loopback port");
        let address = taken.local_addr().expect("its address");
        let error = bind("127.0.0.1", address.port()).await.err();
        let error = error.unwrap_or_default();
        assert!(error.contains("already in use"), "{error}");
        assert!(error.contains("--port 0"), "{error}");
    }
}

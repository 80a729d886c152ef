//! The lab's own network: a small TCP relay between one client and the server, that the lab can
//! cut or silence, so that a lesson shows the disconnect reasons that come from the network
//! (`transport close`, `ping timeout`) as they really happen.
//!
//! Each client of a lab started with [`super::LabOptions::network`] connects to its own relay
//! (one listener per client, so that the relay knows whose connection it carries without asking
//! the client for its local port), and the relay connects on to the real server.
//!
//! - **Cut**: both TCP connections are closed at once. The server reads the end of the stream
//!   with no WebSocket close frame, which is what a dropped Wi-Fi or a killed process looks like.
//! - **Silence**: the relay stops reading in both directions and closes nothing. The server's
//!   pings no longer reach the client, no pong comes back, and the server's own heartbeat gives
//!   up after its ping interval plus ping timeout. Nothing here decides when: the real timeout
//!   fires.

use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What a relay does with the bytes it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Open,
    Silent,
    Cut,
}

/// One client's relay. Dropping it cuts the connection too, so that a lab never leaves a relay
/// task behind.
pub struct Link {
    /// The address the client connects to instead of the server's.
    pub address: SocketAddr,
    flow: watch::Sender<Flow>,
}

impl Link {
    /// Opens a relay to `server` on an ephemeral loopback port.
    pub async fn open(server: SocketAddr) -> std::io::Result<Link> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let (flow, watching) = watch::channel(Flow::Open);
        tokio::spawn(accept(listener, server, watching));
        Ok(Link { address, flow })
    }

    /// Closes the client's connection and the server's, both at once.
    pub fn cut(&self) {
        self.flow.send_replace(Flow::Cut);
    }

    /// Stops carrying anything, in both directions, without closing anything.
    pub fn silence(&self) {
        self.flow.send_replace(Flow::Silent);
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.flow.send_replace(Flow::Cut);
    }
}

/// Relays every connection the client opens (over WebSocket, it opens one) until the link is cut.
async fn accept(listener: TcpListener, server: SocketAddr, mut flow: watch::Receiver<Flow>) {
    loop {
        let client = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((client, _)) => client,
                Err(_) => return,
            },
            _ = wait_for(&mut flow, Flow::Cut) => return,
        };
        let Ok(upstream) = TcpStream::connect(server).await else {
            continue; // the client sees its connection close, as with a server that is down
        };
        // The relay must not add the 40 ms delayed-ACK stall that the lab avoids everywhere
        // else (docs/stack-facts.md, 3).
        let _ = client.set_nodelay(true);
        let _ = upstream.set_nodelay(true);
        tokio::spawn(relay(client, upstream, flow.clone()));
    }
}

async fn relay(mut client: TcpStream, mut upstream: TcpStream, mut flow: watch::Receiver<Flow>) {
    tokio::select! {
        // Either side closing ends the relay, and dropping both streams closes the other side.
        _ = tokio::io::copy_bidirectional(&mut client, &mut upstream) => return,
        _ = wait_for_not(&mut flow, Flow::Open) => {}
    }
    if *flow.borrow() == Flow::Silent {
        // Hold both connections open, reading nothing, until the link is cut or dropped.
        wait_for(&mut flow, Flow::Cut).await;
    }
    // Dropped here: both connections close.
}

/// Waits until the flow is `wanted` (or its sender is gone, which counts as a cut).
async fn wait_for(flow: &mut watch::Receiver<Flow>, wanted: Flow) {
    let _ = flow.wait_for(|now| *now == wanted).await;
}

async fn wait_for_not(flow: &mut watch::Receiver<Flow>, left: Flow) {
    let _ = flow.wait_for(|now| *now != left).await;
}

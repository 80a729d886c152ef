//! The server scaffold both Socket.IO servers of sio-tutor stand on, the lab's
//! (`super::server`) and the classroom's (`crate::serve`): axum serving a socketioxide layer on a
//! listener with TCP_NODELAY, stopped in the one order that closes Socket.IO sessions, plus the
//! small pieces both servers' handlers share (the own-id room, the `sync` answer, a lock that
//! survives a panic). The facts behind each are in `docs/stack-facts.md`.

use std::sync::{Mutex, MutexGuard};

use axum::serve::ListenerExt;
use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, SocketRef};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The event of the barrier's round trip: a client emits it with an ack, the server answers.
pub const SYNC_EVENT: &str = "sio-tutor:sync";

/// axum serving `app` on `listener`, until [`Serving::stop`].
pub struct Serving {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// Serves `app` (which carries the socketioxide layer) on `listener`, with TCP_NODELAY on every
/// accepted connection: without it, Nagle's algorithm holds each small packet back until the
/// previous one is acknowledged, and every round trip costs about 40 ms.
pub fn serve(listener: TcpListener, app: axum::Router) -> Serving {
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    Serving { stop, task }
}

impl Serving {
    /// Closes every Socket.IO session, then stops axum: axum's graceful shutdown alone would
    /// wait for the open WebSocket connections forever.
    pub async fn stop<A: Adapter>(self, io: &SocketIo<A>) {
        io.close().await;
        self.stop_axum().await;
    }

    /// Stops axum alone, for a server that has closed its Socket.IO sessions itself and had
    /// something to finish in between (the classroom reports the relays those closings ended).
    pub async fn stop_axum(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// Node's Socket.IO puts every socket in a room named by its own id; socketioxide leaves that to
/// the server. Private messages (`io.to(bob.id)`) depend on it.
pub fn join_own_room<A: Adapter>(socket: &SocketRef<A>) {
    socket.join(socket.id.to_string());
}

/// The barrier's round trip: answering proves that everything sent to this socket before it has
/// been written to its connection first.
pub async fn on_sync(ack: AckSender) {
    let _ = ack.send(&());
}

/// Locks a mutex, recovering the data if a panicking thread poisoned it: the servers' shared
/// state is plain data, consistent between two handler calls.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

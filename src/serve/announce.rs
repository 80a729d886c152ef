//! Arrivals and departures, told to the whole class in batches.
//!
//! Announcing each arrival to everyone costs N² packets while a class of N comes in at once:
//! 1,000 students at the start of a lesson are a million packets, and socketioxide's buffer of
//! packets per socket (a slow HTTP long-polling socket drains it slowly) fills before the
//! newcomers' own welcome gets through. So arrivals and departures go to one task, which
//! gathers what comes in during a short window and sends it as one `io.emit` with a list of
//! names: in a burst of 1,000 arrivals over a few seconds each socket gets a few dozen
//! packets, and in a quiet class a newcomer waits one window for its welcome. While a crowd
//! arrives the window widens (see [`CROWD_WINDOW`]).
//!
//! The newcomer's own welcome is sent only after the batch announcing it has been handed to
//! every connection (the tests' barrier relies on that: once a client has its welcome, the
//! announcements about it are queued everywhere). Each newcomer also gets the whole list of
//! names once, read after it is in the namespace, so nobody is missed between the two: anyone
//! admitted before that read is in the list, anyone after is in a batch sent after it.

use std::time::Duration;

use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;
use tokio::sync::{mpsc, oneshot};

/// How long the announcer gathers arrivals and departures before telling everyone, in a quiet
/// class: short enough that a student does not notice.
pub const WINDOW: Duration = Duration::from_millis(50);

/// The window while a crowd arrives (the last batch named more than [`CROWD`] arrivals): each
/// batch is one packet to every socket, and every packet is work for every page, so a class of
/// 1,000 arriving at once gets about four batches a second instead of twenty. A newcomer in a
/// crowd waits at most this long for its welcome.
pub const CROWD_WINDOW: Duration = Duration::from_millis(250);

/// More arrivals than this in one batch, and the next window is [`CROWD_WINDOW`].
pub const CROWD: usize = 20;

enum News {
    /// `done` fires once the batch naming this arrival has been handed to every connection.
    Arrived(String, oneshot::Sender<()>),
    Left(String),
}

/// The handle the handlers use; cheap to clone.
#[derive(Clone)]
pub struct Announcer {
    news: mpsc::UnboundedSender<News>,
}

/// The announcing task, before it has the server to announce through.
pub struct Pending(mpsc::UnboundedReceiver<News>);

impl Pending {
    /// Starts the task, for `io`'s main namespace.
    pub fn start<A: Adapter>(self, io: SocketIo<A>) {
        tokio::spawn(run(io, self.0));
    }
}

impl Announcer {
    /// The handle, and the task to start once the server exists (the handle goes into the
    /// server's state, which is set before the server is built).
    pub fn new() -> (Announcer, Pending) {
        let (news, inbox) = mpsc::unbounded_channel();
        (Announcer { news }, Pending(inbox))
    }

    /// Announces an arrival; returns once it has been sent to everyone (or the server closes).
    pub async fn arrived(&self, name: &str) {
        let (done, sent) = oneshot::channel();
        if self
            .news
            .send(News::Arrived(name.to_string(), done))
            .is_ok()
        {
            let _ = sent.await;
        }
    }

    pub fn left(&self, name: &str) {
        let _ = self.news.send(News::Left(name.to_string()));
    }
}

async fn run<A: Adapter>(io: SocketIo<A>, mut inbox: mpsc::UnboundedReceiver<News>) {
    let mut window = WINDOW;
    while let Some(first) = inbox.recv().await {
        tokio::time::sleep(window).await;
        let mut batch = vec![first];
        while let Ok(news) = inbox.try_recv() {
            batch.push(news);
        }
        let mut arrived = Vec::new();
        let mut left = Vec::new();
        let mut waiting = Vec::new();
        for news in batch {
            match news {
                News::Arrived(name, done) => {
                    arrived.push(name);
                    waiting.push(done);
                }
                News::Left(name) => {
                    // Came and went within one window: nobody needs to hear of either.
                    if let Some(at) = arrived.iter().position(|n| *n == name) {
                        arrived.remove(at);
                    } else {
                        left.push(name);
                    }
                }
            }
        }
        // `None` once the server is closing (socketioxide's io.emit would panic then).
        if let Some(everyone) = io.of(super::roster::NAMESPACE) {
            if !left.is_empty() {
                let _ = everyone.clone().emit("user disconnected", &left).await;
            }
            if !arrived.is_empty() {
                let _ = everyone.emit("user connected", &arrived).await;
            }
        }
        window = if waiting.len() > CROWD {
            CROWD_WINDOW
        } else {
            WINDOW
        };
        for done in waiting {
            let _ = done.send(());
        }
    }
}

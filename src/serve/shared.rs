//! `serve --redis URL`: one class across several serve processes that share a Redis.
//!
//! Socket.IO's part goes through the socketioxide-redis adapter (built by `crate::lab::redis`):
//! `io.emit`, `socket.broadcast`, `io.to(room)` and `socket.to(id)` reach the sockets of every
//! process, and each relay's acknowledgements come back from the other processes' pages too.
//! What the adapter does not share is the class itself, so this module keeps it in the same
//! Redis:
//!
//! - **Names.** A nickname is claimed in one Redis hash (`HSETNX`), so two students on two
//!   processes cannot both be `anna`; guests are numbered by one `INCR`, so there is one
//!   `guest-7` in the class. The hash holds each name's arrival number and socket id: it is the
//!   online list (in arrival order, across processes) and how a private message finds a student
//!   on another process. A process releases its students' names as they leave and all of them
//!   when it stops; a process killed outright (SIGKILL) leaves its names claimed until that
//!   Redis is emptied (a private `redis-server` for the class is, when it stops).
//! - **Deliveries.** The process whose student sent an event reports, on its own terminal, the
//!   pages of its own students; the answers of the other processes' pages (which the adapter
//!   brought back to it) are published on one channel, and each process reports those of its
//!   own students. So every terminal shows every message, confirmed by the students it serves.

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::StreamExt;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::mpsc;

use super::delivery::Answer;
use crate::lab::redis::{self as lab_redis, RedisError};

/// The prefix of every Redis key and channel of the class (the adapter's included).
pub const PREFIX: &str = "sio-tutor-serve";

/// The class as the processes share it: a connection for the names, and who this process is.
pub struct SharedClass {
    url: String,
    connection: redis::aio::MultiplexedConnection,
    /// This process, so that it skips its own published deliveries.
    origin: String,
}

/// A relay's answers from the pages of other processes, for those processes to report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Forwarded {
    pub origin: String,
    pub sender: String,
    pub trigger: String,
    pub statement: String,
    pub event: String,
    pub args: Vec<Value>,
    /// Socket id and answer, for the sockets the sending process does not serve.
    pub answers: Vec<(String, Answer)>,
}

/// The claim, run inside Redis: KEYS = names, guests, arrivals; ARGV = requested name (empty for
/// a guest), socket id. Each name's value is "arrival-number socket-id".
const CLAIM: &str = r#"
local arrival = redis.call('INCR', KEYS[3])
local value = arrival .. ' ' .. ARGV[2]
if ARGV[1] == '' then
  while true do
    local name = 'guest-' .. redis.call('INCR', KEYS[2])
    if redis.call('HSETNX', KEYS[1], name, value) == 1 then return name end
  end
end
local name = ARGV[1]
local n = 1
while redis.call('HSETNX', KEYS[1], name, value) == 0 do
  n = n + 1
  name = ARGV[1] .. '-' .. n
end
return name
"#;

/// How long a Redis command may take before the class gives up on it. The `redis` crate's
/// default is 500 ms, which a loaded machine with a class arriving at once exceeds.
const RESPONSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

fn key(what: &str) -> String {
    format!("{PREFIX}:{what}")
}

impl SharedClass {
    /// Connects to the class's Redis (checked: Redis 7 or newer).
    pub async fn connect(url: &str) -> Result<SharedClass, RedisError> {
        lab_redis::check(url).await?;
        let url = lab_redis::with_resp3(url);
        let failed = |cause| RedisError::Connect {
            url: url.clone(),
            cause,
        };
        let client = redis::Client::open(url.as_str()).map_err(failed)?;
        let config =
            redis::AsyncConnectionConfig::new().set_response_timeout(Some(RESPONSE_TIMEOUT));
        let connection = client
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .map_err(failed)?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        Ok(SharedClass {
            url,
            connection,
            origin: format!("{}-{nanos}", std::process::id()),
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Claims a name for `sid`: `requested`, or `requested-2`, `-3`, ... if taken anywhere in the
    /// class; `guest-N` when none was requested. One round trip (a Lua script runs atomically in
    /// Redis), so that a class arriving at once does not queue three commands a student.
    pub async fn claim(&self, requested: Option<&str>, sid: &str) -> redis::RedisResult<String> {
        let mut connection = self.connection.clone();
        redis::cmd("EVAL")
            .arg(CLAIM)
            .arg(3)
            .arg(key("names"))
            .arg(key("guests"))
            .arg(key("arrivals"))
            .arg(requested.unwrap_or(""))
            .arg(sid)
            .query_async(&mut connection)
            .await
    }

    /// Releases names (students who left, or all of this process's when it stops).
    pub async fn release(&self, names: &[String]) {
        if names.is_empty() {
            return;
        }
        let mut connection = self.connection.clone();
        let _: redis::RedisResult<u64> = connection.hdel(key("names"), names).await;
    }

    /// Everyone in the class, in arrival order.
    pub async fn names(&self) -> redis::RedisResult<Vec<String>> {
        let mut connection = self.connection.clone();
        let all: HashMap<String, String> = connection.hgetall(key("names")).await?;
        let mut seated: Vec<(u64, String)> = all
            .into_iter()
            .map(|(name, value)| (arrival(&value), name))
            .collect();
        seated.sort();
        Ok(seated.into_iter().map(|(_, name)| name).collect())
    }

    /// The socket id of a student anywhere in the class.
    pub async fn sid_of(&self, name: &str) -> redis::RedisResult<Option<String>> {
        let mut connection = self.connection.clone();
        let value: Option<String> = connection.hget(key("names"), name).await?;
        Ok(value.and_then(|v| v.split_once(' ').map(|(_, sid)| sid.to_string())))
    }

    /// Publishes the answers of other processes' pages to a relay.
    pub async fn forward(&self, forwarded: &Forwarded) {
        let Ok(payload) = serde_json::to_string(forwarded) else {
            return;
        };
        let mut connection = self.connection.clone();
        let _: redis::RedisResult<u64> = connection.publish(key("deliveries"), payload).await;
    }

    /// Listens for the deliveries other processes forward; each goes to `inbox`. Returns once
    /// subscribed, so that nothing published after the class starts is missed.
    pub async fn listen(&self, inbox: mpsc::UnboundedSender<Forwarded>) -> Result<(), RedisError> {
        let failed = |cause| RedisError::Connect {
            url: self.url.clone(),
            cause,
        };
        let client = redis::Client::open(self.url.as_str()).map_err(failed)?;
        let mut pubsub = client.get_async_pubsub().await.map_err(failed)?;
        pubsub.subscribe(key("deliveries")).await.map_err(failed)?;
        let origin = self.origin.clone();
        tokio::spawn(async move {
            let mut messages = pubsub.into_on_message();
            while let Some(message) = messages.next().await {
                let Ok(forwarded) =
                    serde_json::from_slice::<Forwarded>(message.get_payload_bytes())
                else {
                    continue;
                };
                if forwarded.origin != origin && inbox.send(forwarded).is_err() {
                    return;
                }
            }
        });
        Ok(())
    }
}

fn arrival(value: &str) -> u64 {
    value
        .split_once(' ')
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or(u64::MAX)
}

/// The shared class behind an `Arc`, as the roster holds it.
pub type Shared = Arc<SharedClass>;

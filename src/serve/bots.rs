//! Rehearsal bots (`--bots N`): real Socket.IO clients (rust_socketio, the lab's client) that
//! join the chat and answer, so a teacher can try the classroom alone.
//!
//! A bot is an ordinary participant: it connects with a nickname, goes through the same
//! handlers, limits and terminal views as a student's browser, and answers only people, never
//! another bot (or two bots would chat forever). For each message exactly one bot answers: the
//! one the message's hash picks, so a class of ten bots does not reply ten times.
//!
//! Client settings follow docs/stack-facts.md: WebSocket transport, `reconnect(false)`, and a bot
//! counts as joined only once the server's `welcome` has arrived. Callbacks never await
//! anything: an answer is sent from a task of its own.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::FutureExt;
use serde_json::{Value, json};
use tf_rust_socketio::asynchronous::{Client, ClientBuilder};
use tf_rust_socketio::{Payload, TransportType};
use tokio::sync::oneshot;

/// The most bots one server runs: each is a real connection, and a rehearsal needs a few.
pub const MAX_BOTS: usize = 50;

/// Bots' names start with this, which is how a bot tells another bot.
const BOT_PREFIX: &str = "bot-";
const NAMES: [&str; 10] = [
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
];

/// How long a bot "types" before it answers: a human pace, so the rehearsal shows the typing
/// indicator. This is theatre, not synchronisation; nothing waits on it.
const THINKING: Duration = Duration::from_millis(600);

pub fn name(index: usize) -> String {
    match NAMES.get(index) {
        Some(name) => format!("{BOT_PREFIX}{name}"),
        None => format!("{BOT_PREFIX}{}", index + 1),
    }
}

/// Which of `count` bots answers a message.
fn answerer(count: usize, from: &str, text: &str) -> usize {
    let mut hasher = DefaultHasher::new();
    (from, text).hash(&mut hasher);
    (hasher.finish() % count.max(1) as u64) as usize
}

/// Whether bot `index` of `count` answers `text` from `from`: exactly one bot answers each
/// person's message, and no bot answers another bot.
fn answers(index: usize, count: usize, from: &str, text: &str) -> bool {
    !from.starts_with(BOT_PREFIX) && answerer(count, from, text) == index
}

/// Connects `count` bots to `url`, one after the other, each waiting for its welcome.
pub async fn start(url: &str, count: usize) -> Result<Vec<Client>, String> {
    let mut bots = Vec::with_capacity(count);
    for index in 0..count {
        bots.push(connect(url, index, count).await?);
    }
    Ok(bots)
}

pub async fn stop(bots: Vec<Client>) {
    for bot in bots {
        let _ = bot.disconnect().await;
    }
}

/// The first arguments of an event as strings (`'chat message', msg, name` gives `[msg, name]`).
fn strings(payload: &Payload) -> Vec<String> {
    match payload {
        Payload::Text(values, _) => values
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_string())
            .collect(),
        _ => Vec::new(),
    }
}

/// Sends `event` after the thinking pause, from a task: never from inside a callback.
fn answer_later(client: Client, event: &'static str, data: Value) {
    tokio::spawn(async move {
        let _ = client.emit("typing", json!(null)).await;
        tokio::time::sleep(THINKING).await;
        let _ = client.emit(event, data).await;
    });
}

/// A short quote of a message, for the answer.
fn quote(text: &str) -> String {
    let short: String = text.chars().take(60).collect();
    if short.len() < text.len() {
        format!("{short}…")
    } else {
        short
    }
}

async fn connect(url: &str, index: usize, count: usize) -> Result<Client, String> {
    let name = name(index);
    let (ready_tx, ready_rx) = oneshot::channel::<()>();
    let ready = Arc::new(Mutex::new(Some(ready_tx)));
    let me = name.clone();
    let client = ClientBuilder::new(url)
        .auth(json!({ "name": &name }))
        .transport_type(TransportType::Websocket)
        .reconnect(false)
        .on("welcome", move |_, _| {
            if let Some(ready) = ready.lock().ok().and_then(|mut slot| slot.take()) {
                let _ = ready.send(());
            }
            async {}.boxed()
        })
        .on("chat message", move |payload, client| {
            if let [text, from, ..] = strings(&payload).as_slice()
                && answers(index, count, from, text)
            {
                let reply = format!(
                    "{from}, I got \"{}\" (io.emit sent it to all of us)",
                    quote(text)
                );
                answer_later(client, "chat message", json!(reply));
            }
            async {}.boxed()
        })
        .on("private message", move |payload, client| {
            if let [text, from, ..] = strings(&payload).as_slice()
                && !from.starts_with(BOT_PREFIX)
            {
                let reply = format!(
                    "only you and I see this: you said \"{}\" to {me}",
                    quote(text)
                );
                answer_later(
                    client,
                    "private message",
                    json!({ "to": from, "text": reply }),
                );
            }
            async {}.boxed()
        })
        .connect()
        .await
        .map_err(|error| format!("bot {name} could not connect: {error}"))?;
    tokio::time::timeout(Duration::from_secs(10), ready_rx)
        .await
        .map_err(|_| format!("bot {name} got no welcome from the server"))?
        .map_err(|_| format!("bot {name}'s connection closed"))?;
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bots_have_friendly_names_then_numbers() {
        assert_eq!(name(0), "bot-alice");
        assert_eq!(name(9), "bot-judy");
        assert_eq!(name(10), "bot-11");
    }

    #[test]
    fn exactly_one_bot_answers() {
        let texts: Vec<String> = (0..60).map(|i| format!("message {i}")).collect();
        for count in 1..6 {
            let mut answered_by = vec![0; count];
            for text in &texts {
                let who: Vec<usize> = (0..count)
                    .filter(|&index| answers(index, count, "anna", text))
                    .collect();
                assert_eq!(who.len(), 1, "{count} bots, `{text}`: answered by {who:?}");
                answered_by[who[0]] += 1;
                let from_a_bot = (0..count).filter(|&i| answers(i, count, &name(0), text));
                assert_eq!(from_a_bot.count(), 0, "a bot answered a bot");
            }
            // The answers are spread: no bot is left silent over sixty messages.
            assert!(
                answered_by.iter().all(|&n| n > 0),
                "{count} bots: answers per bot {answered_by:?}"
            );
        }
    }
}

//! The feed client the console uses: a named background thread running tokio, a bounded
//! channel out, reconnection with exponential backoff and jitter, resume by `seq`.
//!
//! The thread forwards every event it receives, in order, through a bounded channel; when the
//! channel is full it waits (the server then coalesces positions for us), so nothing is lost
//! between the socket and the UI. On reconnect it says `hello` with the last state `seq` it
//! forwarded and the server replays what was missed (or sends a snapshot).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use futures_util::{SinkExt, StreamExt};
use onemap_core::feed::{ClientMessage, Envelope, ServerEvent, client_json, parse_server};
use tokio_tungstenite::tungstenite::Message;

/// Silence after which a connection is considered dead (the server beats every 2 s).
pub const SILENCE_LIMIT: Duration = Duration::from_secs(10);

#[derive(Clone, Debug, PartialEq)]
pub enum ConnStatus {
    Connecting {
        attempt: u32,
    },
    Connected,
    /// Lost; the next attempt is in `retry_in`.
    Disconnected {
        error: String,
        attempt: u32,
        retry_in: Duration,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum ClientEvent {
    Status(ConnStatus),
    Event(Envelope),
    /// A message from the server that could not be used (skipped, connection kept).
    BadMessage(String),
}

pub struct FeedClient {
    pub events: Receiver<ClientEvent>,
    commands: tokio::sync::mpsc::UnboundedSender<ClientMessage>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FeedClient {
    /// Connect to `url` (ws://host:port) in the background; events arrive on `events`.
    /// `resume_from`: the last state `seq` already seen (0: start with a snapshot).
    pub fn spawn(
        url: String,
        name: String,
        capacity: usize,
        resume_from: u64,
    ) -> std::io::Result<FeedClient> {
        let (tx, rx) = crossbeam_channel::bounded(capacity);
        let (cmd_tx, cmd_rx) = tokio::sync::mpsc::unbounded_channel();
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let thread = std::thread::Builder::new()
            .name("feed-client".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = tx.send(ClientEvent::Status(ConnStatus::Disconnected {
                            error: format!("cannot start: {e}"),
                            attempt: 0,
                            retry_in: Duration::MAX,
                        }));
                        return;
                    }
                };
                rt.block_on(run(url, name, resume_from, tx, cmd_rx, s));
            })?;
        Ok(FeedClient {
            events: rx,
            commands: cmd_tx,
            stop,
            thread: Some(thread),
        })
    }

    /// Send a command (dispatch, status); queued while disconnected.
    pub fn send(&self, msg: ClientMessage) {
        let _ = self.commands.send(msg);
    }

    pub fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.commands.send(ClientMessage::Ping);
        if let Some(t) = self.thread.take() {
            // The thread may be blocked on a full channel nobody drains: don't wait forever.
            let deadline = Instant::now() + Duration::from_secs(2);
            while !t.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if t.is_finished() {
                let _ = t.join();
            }
        }
    }
}

impl Drop for FeedClient {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Backoff before attempt `attempt` (1-based): 250 ms doubling to 10 s, ±20 % jitter.
pub fn backoff(attempt: u32, jitter_seed: u64) -> Duration {
    let base = 250.0 * 2f64.powi(attempt.saturating_sub(1).min(10) as i32);
    let capped = base.min(10_000.0);
    let mut z = jitter_seed
        .wrapping_add(u64::from(attempt))
        .wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z ^= z >> 29;
    let jitter = 0.8 + 0.4 * ((z % 10_000) as f64 / 10_000.0);
    Duration::from_millis((capped * jitter) as u64)
}

async fn run(
    url: String,
    name: String,
    resume_from: u64,
    tx: Sender<ClientEvent>,
    mut commands: tokio::sync::mpsc::UnboundedReceiver<ClientMessage>,
    stop: Arc<AtomicBool>,
) {
    let mut last_seq = resume_from;
    let mut attempt = 0u32;
    let seed = std::process::id() as u64 ^ Instant::now().elapsed().as_nanos() as u64;
    let forward = |e: ClientEvent| tx.send(e).is_ok();
    while !stop.load(Ordering::SeqCst) {
        attempt += 1;
        if !forward(ClientEvent::Status(ConnStatus::Connecting { attempt })) {
            return;
        }
        let error = match tokio::time::timeout(
            Duration::from_secs(5),
            tokio_tungstenite::connect_async(&url),
        )
        .await
        {
            Err(_) => "connection timed out".to_owned(),
            Ok(Err(e)) => e.to_string(),
            Ok(Ok((ws, _))) => {
                let (mut sink, mut source) = ws.split();
                let hello = ClientMessage::Hello {
                    last_seq,
                    client: name.clone(),
                };
                if let Err(e) = sink.send(Message::text(client_json(&hello))).await {
                    e.to_string()
                } else {
                    attempt = 0;
                    if !forward(ClientEvent::Status(ConnStatus::Connected)) {
                        return;
                    }
                    loop {
                        if stop.load(Ordering::SeqCst) {
                            let _ = sink.close().await;
                            return;
                        }
                        tokio::select! {
                            msg = tokio::time::timeout(SILENCE_LIMIT, source.next()) => {
                                match msg {
                                    Err(_) => break format!("no message for {} s", SILENCE_LIMIT.as_secs()),
                                    Ok(None) => break "the server closed the connection".to_owned(),
                                    Ok(Some(Err(e))) => break e.to_string(),
                                    Ok(Some(Ok(Message::Text(text)))) => match parse_server(&text) {
                                        Ok(env) => {
                                            if env.event.is_state() || matches!(env.event, ServerEvent::Snapshot(_)) {
                                                last_seq = last_seq.max(env.seq);
                                                if matches!(env.event, ServerEvent::Snapshot(_)) {
                                                    last_seq = env.seq;
                                                }
                                            }
                                            if !forward(ClientEvent::Event(env)) {
                                                return;
                                            }
                                        }
                                        Err(e) => {
                                            if !forward(ClientEvent::BadMessage(e.to_string())) {
                                                return;
                                            }
                                        }
                                    },
                                    Ok(Some(Ok(Message::Close(_)))) => break "the server closed the connection".to_owned(),
                                    Ok(Some(Ok(Message::Binary(_)))) => {
                                        if !forward(ClientEvent::BadMessage("a binary frame".into())) {
                                            return;
                                        }
                                    }
                                    Ok(Some(Ok(_))) => {}
                                }
                            }
                            cmd = commands.recv() => {
                                if let Some(cmd) = cmd
                                    && !stop.load(Ordering::SeqCst)
                                    && let Err(e) = sink.send(Message::text(client_json(&cmd))).await
                                {
                                    break e.to_string();
                                }
                            }
                        }
                    }
                }
            }
        };
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let retry_in = backoff(attempt.max(1), seed);
        if !forward(ClientEvent::Status(ConnStatus::Disconnected {
            error,
            attempt: attempt.max(1),
            retry_in,
        })) {
            return;
        }
        tokio::time::sleep(retry_in).await;
    }
}

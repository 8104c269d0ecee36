//! CoT over a TCP stream is a sequence of `<event>…</event>` documents with nothing between
//! them but whitespace and XML prologs. [`Splitter`] takes the bytes as they arrive, in any
//! chunks, and gives back each complete document; it never holds more than
//! [`MAX_EVENT_BYTES`](crate::MAX_EVENT_BYTES) of an unfinished one.

use crate::MAX_EVENT_BYTES;

const END: &[u8] = b"</event>";
const START: &[u8] = b"<event";

/// Splits a CoT byte stream into event documents.
#[derive(Debug, Default)]
pub struct Splitter {
    buf: Vec<u8>,
    /// Bytes already searched for an end tag (the search resumes there).
    searched: usize,
}

/// What the stream gave.
#[derive(Debug, PartialEq)]
pub enum Piece {
    /// One event document (not yet checked: see [`crate::parse_xml`]).
    Event(String),
    /// Bytes that cannot be an event (too long, or not UTF-8), dropped: how many, and why.
    Dropped(usize, &'static str),
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

impl Splitter {
    pub fn new() -> Splitter {
        Splitter::default()
    }

    /// Add bytes from the stream; the complete documents and what was dropped, in order.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Piece> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        loop {
            // Whatever precedes the next `<event` (prologs, whitespace, junk) is not kept.
            match find(&self.buf, START, 0) {
                Some(0) => {}
                Some(k) => {
                    self.buf.drain(..k);
                    self.searched = self.searched.saturating_sub(k);
                }
                None => {
                    // Keep a tail that may be the start of `<event`.
                    let keep = self.buf.len().min(START.len() - 1);
                    self.buf.drain(..self.buf.len() - keep);
                    self.searched = 0;
                    return out;
                }
            }
            let from = self.searched.saturating_sub(END.len());
            match find(&self.buf, END, from) {
                Some(end) => {
                    let doc: Vec<u8> = self.buf.drain(..end + END.len()).collect();
                    self.searched = 0;
                    match String::from_utf8(doc) {
                        Ok(text) if text.len() <= MAX_EVENT_BYTES => out.push(Piece::Event(text)),
                        Ok(text) => out.push(Piece::Dropped(text.len(), "longer than the limit")),
                        Err(e) => out.push(Piece::Dropped(e.as_bytes().len(), "not UTF-8")),
                    }
                }
                None if self.buf.len() > MAX_EVENT_BYTES => {
                    // An event that never ends: drop it and look for the next one.
                    let n = self.buf.len();
                    self.buf.drain(..1);
                    let next = find(&self.buf, START, 0).unwrap_or(self.buf.len());
                    self.buf.drain(..next);
                    self.searched = 0;
                    out.push(Piece::Dropped(n - self.buf.len(), "longer than the limit"));
                }
                None => {
                    self.searched = self.buf.len();
                    return out;
                }
            }
        }
    }

    /// Bytes held for an unfinished event (never more than the limit and one read).
    pub fn held(&self) -> usize {
        self.buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(uid: &str) -> String {
        format!(r#"<event uid="{uid}" type="a-f-G"><point lat="1" lon="2"/></event>"#)
    }

    #[test]
    fn events_are_split_whatever_the_chunks() {
        let stream = format!(
            "<?xml version=\"1.0\"?>\n{}\n<?xml version=\"1.0\"?>{}  {}",
            event("a"),
            event("b"),
            event("c")
        );
        for chunk in [1, 2, 7, 64, 4096] {
            let mut s = Splitter::new();
            let mut got = Vec::new();
            for part in stream.as_bytes().chunks(chunk) {
                got.extend(s.push(part));
            }
            let want: Vec<Piece> = ["a", "b", "c"].map(|u| Piece::Event(event(u))).into();
            assert_eq!(got, want, "chunks of {chunk}");
            assert!(s.held() < START.len());
        }
    }

    #[test]
    fn an_event_that_never_ends_is_dropped_and_the_next_one_read() {
        let mut s = Splitter::new();
        let mut got = s.push(b"<event uid=\"x\">");
        for _ in 0..100 {
            got.extend(s.push(&[b'a'; 1024]));
            assert!(s.held() <= MAX_EVENT_BYTES + 1024);
        }
        got.extend(s.push(event("ok").as_bytes()));
        assert!(matches!(got[0], Piece::Dropped(_, "longer than the limit")));
        assert_eq!(got.last(), Some(&Piece::Event(event("ok"))));
    }
}

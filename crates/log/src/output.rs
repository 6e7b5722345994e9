//! Child output before it reaches a file: ANSI stripping, the capture-mode splitter, and
//! the main-log echo of child output. All of it is sans-IO.

use std::borrow::Cow;

/// The token that switches a channel into capture mode.
pub const BEGIN_TOKEN: &[u8] = b"<!--XSUPERVISOR:BEGIN-->";
/// The token that ends capture mode and completes a communication event.
pub const END_TOKEN: &[u8] = b"<!--XSUPERVISOR:END-->";

const ESCAPE_BEGIN: &[u8] = b"\x1b[";
/// The bytes that end an escape sequence (`H f A B C D R s u J K h l p m`), as a table.
const TERMINATOR: [bool; 256] = {
    let mut table = [false; 256];
    let bytes = b"HfABCDRsuJKhlpm";
    let mut i = 0;
    while i < bytes.len() {
        table[bytes[i] as usize] = true;
        i += 1;
    }
    table
};

/// Removes ANSI escape sequences from one chunk as Supervisor's `stripEscapes` does:
/// from each `ESC [` up to and including the next byte among `H f A B C D R s u J K h l p
/// m`; a sequence still open at the end of the chunk swallows the rest of the chunk. Each
/// chunk is handled on its own (a sequence split across two reads is not recognised as
/// one). Bytes that are not valid UTF-8 pass through unchanged.
///
/// Borrows `data` when it holds no escape.
pub fn strip_ansi(data: &[u8]) -> Cow<'_, [u8]> {
    let Some(first) = find_escape(data, 0) else {
        return Cow::Borrowed(data);
    };
    let mut out = Vec::with_capacity(data.len());
    out.extend_from_slice(&data[..first]);
    // `i` points into an escape (just after its ESC) or at shown text.
    let mut i = first + 1;
    let mut showing = false;
    while i < data.len() {
        if !showing {
            if TERMINATOR[usize::from(data[i])] {
                showing = true;
            }
            i += 1;
        } else {
            match find_escape(data, i) {
                None => {
                    out.extend_from_slice(&data[i..]);
                    break;
                }
                Some(n) => {
                    out.extend_from_slice(&data[i..n]);
                    i = n + 1;
                    showing = false;
                }
            }
        }
    }
    Cow::Owned(out)
}

/// The next `ESC [` at or after `from`.
fn find_escape(data: &[u8], mut from: usize) -> Option<usize> {
    while let Some(p) = memchr::memchr(ESCAPE_BEGIN[0], data.get(from..)?) {
        let at = from + p;
        if data.get(at + 1) == Some(&ESCAPE_BEGIN[1]) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    memchr::memmem::find(haystack.get(from..)?, needle).map(|p| p + from)
}

/// The length of the longest proper prefix of `needle` that ends `haystack` (medusa's
/// `find_prefix_at_end`).
fn prefix_at_end(haystack: &[u8], needle: &[u8]) -> usize {
    (1..needle.len())
        .rev()
        .find(|&l| haystack.ends_with(&needle[..l]))
        .unwrap_or(0)
}

/// Supervisor's `BoundIO`: the capture buffer of one channel, bounded by
/// `*_capture_maxbytes` with Supervisor's arithmetic: when a write would pass the bound,
/// as many bytes as the write holds are dropped from the front first (so a write larger
/// than the bound is kept whole).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BoundBuffer {
    maxbytes: usize,
    buf: Vec<u8>,
}

impl BoundBuffer {
    /// An empty buffer bounded by `maxbytes`.
    pub fn new(maxbytes: usize) -> BoundBuffer {
        BoundBuffer {
            maxbytes,
            buf: Vec::new(),
        }
    }

    /// Appends `data`, dropping from the front as Supervisor does.
    pub fn write(&mut self, data: &[u8]) {
        if self.buf.len() + data.len() > self.maxbytes {
            let drop = data.len().min(self.buf.len());
            self.buf.drain(..drop);
        }
        self.buf.extend_from_slice(data);
    }

    /// The buffered bytes.
    pub fn value(&self) -> &[u8] {
        &self.buf
    }

    /// Empties the buffer.
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    /// Takes the buffered bytes, leaving the buffer empty.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }
}

/// One result of [`OutputSplitter::feed`], in the order the daemon must act on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Normal output: write it to the channel's [`ChildLog`](crate::ChildLog), echo it to
    /// the main log when `loglevel` is `debug` or lower ([`mainlog_message`]), and emit a
    /// `PROCESS_LOG_STDOUT`/`STDERR` event when `*_events_enabled`.
    Output(Vec<u8>),
    /// Output inside `BEGIN … END`: the splitter already kept it in its capture buffer; the
    /// daemon still echoes it to the main log and emits the log event, as Supervisor does.
    Captured(Vec<u8>),
    /// An `END` token closed a capture: emit `PROCESS_COMMUNICATION_STDOUT`/`STDERR` with
    /// these bytes and log `'NAME' stdout emitted a comm event` at `DEBG`.
    CommEvent(Vec<u8>),
}

/// Splits one channel's output into normal output, captured output and communication
/// events, as Supervisor's `POutputDispatcher.record_output` does. Sans-IO: feed it what
/// the pipe gave, act on the pieces.
///
/// * `capture_maxbytes == 0`: no capture mode; every chunk is one [`Piece::Output`] and the
///   tokens mean nothing.
/// * Otherwise the splitter looks for [`BEGIN_TOKEN`] (then [`END_TOKEN`]). While its
///   pending bytes are no longer than the token it waits for more, and it holds back a
///   chunk's tail that could start the token, as Supervisor does; so short output can stay
///   pending until more arrives. [`finish`](Self::finish) flushes it at end of output.
/// * With `strip_ansi`, each piece of output is stripped ([`strip_ansi`]) before it is
///   returned or captured, segment by segment as Supervisor strips them.
#[derive(Debug, Clone)]
pub struct OutputSplitter {
    strip_ansi: bool,
    capture: Option<BoundBuffer>,
    capturing: bool,
    pending: Vec<u8>,
}

impl OutputSplitter {
    /// A splitter for a channel with `*_capture_maxbytes = capture_maxbytes` and the
    /// daemon's `strip_ansi`.
    pub fn new(capture_maxbytes: usize, strip_ansi: bool) -> OutputSplitter {
        OutputSplitter {
            strip_ansi,
            capture: (capture_maxbytes > 0).then(|| BoundBuffer::new(capture_maxbytes)),
            capturing: false,
            pending: Vec::new(),
        }
    }

    /// Whether the channel is between `BEGIN` and `END`.
    pub fn is_capturing(&self) -> bool {
        self.capturing
    }

    /// Bytes received but not yet returned (waiting for a possible token).
    pub fn pending(&self) -> &[u8] {
        &self.pending
    }

    /// Takes one chunk read from the pipe and appends the resulting pieces to `out`.
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<Piece>) {
        if self.capture.is_none() {
            self.emit(chunk, out);
            return;
        }
        self.pending.extend_from_slice(chunk);
        loop {
            let token = if self.capturing {
                END_TOKEN
            } else {
                BEGIN_TOKEN
            };
            if self.pending.len() <= token.len() {
                return;
            }
            let mut data = std::mem::take(&mut self.pending);
            match find(&data, token, 0) {
                None => {
                    let keep = prefix_at_end(&data, token);
                    self.pending = data.split_off(data.len() - keep);
                    self.emit_owned(data, out);
                    return;
                }
                Some(at) => {
                    let after = data.split_off(at + token.len());
                    data.truncate(at);
                    self.emit_owned(data, out);
                    self.toggle(out);
                    if after.is_empty() {
                        return;
                    }
                    self.pending = after;
                }
            }
        }
    }

    /// End of output (the pipe closed): returns held-back bytes as [`Piece::Output`] when
    /// not capturing. Bytes of an unfinished capture are dropped with the capture.
    pub fn finish(&mut self, out: &mut Vec<Piece>) {
        let data = std::mem::take(&mut self.pending);
        if self.capturing {
            self.capturing = false;
            if let Some(capture) = &mut self.capture {
                capture.clear();
            }
        } else {
            self.emit_owned(data, out);
        }
    }

    /// Empties the capture buffer (what `clearProcessLogs` does to the capture log).
    pub fn clear_capture(&mut self) {
        if let Some(capture) = &mut self.capture {
            capture.clear();
        }
    }

    fn emit(&mut self, data: &[u8], out: &mut Vec<Piece>) {
        if !data.is_empty() {
            self.emit_owned(data.to_vec(), out);
        }
    }

    /// Routes one segment (stripped first when asked): to the capture buffer and out as
    /// `Captured` while capturing, else out as `Output`. Empty segments are skipped, as
    /// Supervisor skips them before stripping.
    fn emit_owned(&mut self, data: Vec<u8>, out: &mut Vec<Piece>) {
        if data.is_empty() {
            return;
        }
        let data = if self.strip_ansi {
            match strip_ansi(&data) {
                Cow::Borrowed(_) => data,
                Cow::Owned(stripped) => stripped,
            }
        } else {
            data
        };
        match (&mut self.capture, self.capturing) {
            (Some(capture), true) => {
                capture.write(&data);
                out.push(Piece::Captured(data));
            }
            _ => out.push(Piece::Output(data)),
        }
    }

    fn toggle(&mut self, out: &mut Vec<Piece>) {
        self.capturing = !self.capturing;
        if !self.capturing
            && let Some(capture) = &mut self.capture
        {
            out.push(Piece::CommEvent(capture.take()));
        }
    }
}

/// The main-log message echoing child output (written at `DEBG` when `loglevel` is
/// `debug` or lower): `'NAME' stdout output:\nDATA`, with undecodable data shown as
/// `Undecodable: b'...'`.
pub fn mainlog_message(program: &str, channel: &str, data: &[u8]) -> String {
    let text = match std::str::from_utf8(data) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(format!("Undecodable: {}", py_repr_bytes(data))),
    };
    format!(
        "{} {} output:\n{}",
        supervisor_types::py_repr(program),
        channel,
        text
    )
}

/// Python 3's `repr(bytes)`: `b'...'`, single quotes unless the data holds a single quote
/// and no double quote; `\\`, the quote, `\t \n \r` escaped; other bytes outside
/// printable ASCII as `\xNN`.
pub fn py_repr_bytes(data: &[u8]) -> String {
    let quote = if data.contains(&b'\'') && !data.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    let mut out = String::with_capacity(data.len() + 3);
    out.push('b');
    out.push(char::from(quote));
    for &b in data {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b if b == quote => {
                out.push('\\');
                out.push(char::from(b));
            }
            0x20..=0x7e => out.push(char::from(b)),
            b => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push(char::from(quote));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_ansi_matches_supervisor() {
        let s = |d: &[u8]| strip_ansi(d).into_owned();
        assert_eq!(s(b"plain"), b"plain");
        assert!(matches!(strip_ansi(b"plain"), Cow::Borrowed(_)));
        assert_eq!(s(b"\x1b[31mred\x1b[0m!"), b"red!");
        assert_eq!(s(b"a\x1b[2Jb\x1b[1;1Hc"), b"abc");
        assert_eq!(s(b"open\x1b[31 never"), b"open");
        assert_eq!(s(b"open\x1b[31 forever"), b"openorever");
        assert_eq!(s(b"lone \x1b escape"), b"lone \x1b escape");
        assert_eq!(s(b"\x1b[m"), b"");
        assert_eq!(s(b"\xff\x1b[1m\xfe"), b"\xff\xfe");
        // the byte right after ESC is never taken as a terminator
        assert_eq!(s(b"x\x1b[[mY"), b"xY");
    }

    #[test]
    fn bound_buffer_drops_like_boundio() {
        let mut b = BoundBuffer::new(5);
        b.write(b"abc");
        b.write(b"de");
        assert_eq!(b.value(), b"abcde");
        b.write(b"fg");
        assert_eq!(b.value(), b"cdefg");
        b.write(b"0123456");
        assert_eq!(b.value(), b"0123456", "a big write is kept whole");
        b.clear();
        assert_eq!(b.value(), b"");
    }

    fn run(splitter: &mut OutputSplitter, chunks: &[&[u8]]) -> Vec<Piece> {
        let mut out = Vec::new();
        for c in chunks {
            splitter.feed(c, &mut out);
        }
        out
    }

    #[test]
    fn without_capture_everything_is_output() {
        let mut s = OutputSplitter::new(0, false);
        let out = run(&mut s, &[b"a<!--XSUPERVISOR:BEGIN-->b", b"", b"c"]);
        assert_eq!(
            out,
            vec![
                Piece::Output(b"a<!--XSUPERVISOR:BEGIN-->b".to_vec()),
                Piece::Output(b"c".to_vec())
            ]
        );
    }

    #[test]
    fn capture_splits_around_tokens() {
        let mut s = OutputSplitter::new(100, false);
        let out = run(
            &mut s,
            &[b"before<!--XSUPERVISOR:BEGIN-->hello<!--XSUPERVISOR:END-->after, and more than a token"],
        );
        assert_eq!(
            out,
            vec![
                Piece::Output(b"before".to_vec()),
                Piece::Captured(b"hello".to_vec()),
                Piece::CommEvent(b"hello".to_vec()),
                Piece::Output(b"after, and more than a token".to_vec()),
            ]
        );
        assert!(!s.is_capturing());
    }

    #[test]
    fn capture_holds_short_output_and_token_prefixes() {
        let mut s = OutputSplitter::new(100, false);
        let mut out = Vec::new();
        s.feed(b"short", &mut out);
        assert!(out.is_empty(), "<= token length waits for more");
        s.feed(b" but now long enough <!--XSUP", &mut out);
        assert_eq!(
            out,
            vec![Piece::Output(b"short but now long enough ".to_vec())]
        );
        assert_eq!(s.pending(), b"<!--XSUP");
        out.clear();
        s.feed(b"ERVISOR:BEGIN-->data", &mut out);
        assert!(out.is_empty());
        assert!(s.is_capturing());
        s.feed(b" up to the end <!--XSUPERVISOR:END-->", &mut out);
        assert_eq!(
            out,
            vec![
                Piece::Captured(b"data up to the end ".to_vec()),
                Piece::CommEvent(b"data up to the end ".to_vec())
            ]
        );
        out.clear();
        s.feed(b"tail", &mut out);
        s.finish(&mut out);
        assert_eq!(out, vec![Piece::Output(b"tail".to_vec())]);
    }

    #[test]
    fn capture_respects_maxbytes_and_clears() {
        let mut s = OutputSplitter::new(4, false);
        let mut out = Vec::new();
        s.feed(
            b"<!--XSUPERVISOR:BEGIN-->abcdefghijklmnopqrstuvwxyz0123",
            &mut out,
        );
        s.feed(b"45<!--XSUPERVISOR:END-->", &mut out);
        assert_eq!(
            out.last(),
            Some(&Piece::CommEvent(
                b"cdefghijklmnopqrstuvwxyz012345"[..].to_vec()
            )),
            "BoundIO keeps a big write whole, then drops as many bytes as the next write holds"
        );
        let mut s = OutputSplitter::new(4, false);
        out.clear();
        s.feed(
            b"<!--XSUPERVISOR:BEGIN-->abcdefghijklmnopqrstuvwxyz0123",
            &mut out,
        );
        s.clear_capture();
        s.feed(b"45<!--XSUPERVISOR:END-->", &mut out);
        assert_eq!(out.last(), Some(&Piece::CommEvent(b"45".to_vec())));
    }

    #[test]
    fn unfinished_capture_is_dropped_at_finish() {
        let mut s = OutputSplitter::new(100, false);
        let mut out = Vec::new();
        s.feed(
            b"<!--XSUPERVISOR:BEGIN-->never ends, no end token",
            &mut out,
        );
        out.clear();
        s.feed(b"x", &mut out);
        s.finish(&mut out);
        assert!(out.is_empty());
        assert!(!s.is_capturing());
    }

    #[test]
    fn strip_applies_per_segment() {
        let mut s = OutputSplitter::new(0, true);
        let out = run(&mut s, &[b"\x1b[1mbold\x1b[0m"]);
        assert_eq!(out, vec![Piece::Output(b"bold".to_vec())]);
        let mut s = OutputSplitter::new(0, true);
        assert!(run(&mut s, &[b"\x1b[0m"]).iter().all(|p| match p {
            Piece::Output(d) => d.is_empty(),
            _ => false,
        }));
    }

    #[test]
    fn mainlog_echo() {
        assert_eq!(
            mainlog_message("foo", "stdout", b"hello\n"),
            "'foo' stdout output:\nhello\n"
        );
        assert_eq!(
            mainlog_message("foo", "stderr", b"\xffa'"),
            "'foo' stderr output:\nUndecodable: b\"\\xffa'\""
        );
    }

    #[test]
    fn bytes_repr() {
        assert_eq!(py_repr_bytes(b""), "b''");
        assert_eq!(py_repr_bytes(b"a\tb\\\x7f\x00"), "b'a\\tb\\\\\\x7f\\x00'");
        assert_eq!(py_repr_bytes(b"'\""), "b'\\'\"'");
    }
}

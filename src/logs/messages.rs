//! The header split that `signatures` mines: every line of a log file
//! read for its message alone ([`messages`]), in parallel pieces of about
//! [`MESSAGE_PIECE`] bytes, and the file opened as `analyze` opens a
//! bundle ([`MessageFile`]).
//!
//! # Limitations
//! - [`messages`], the header split that `signatures` mines, costs some
//!   56 M instructions whatever the file (the built-in regexes compiled
//!   for detection, 47 M of it), then about 180 M (HDFS, Spark) to 240 M
//!   (BGL) for the first 200k raw lines of the Loghub files, one thread
//!   (callgrind, `SIG_BENCH_SPLIT=1` in `benches/signatures.rs`, the
//!   whole run): 183.6, 238.5, 163.3 and 204.4 M on HDFS, BGL, Spark and
//!   OpenSSH, against 183.0, 230.5, 162.8 and 208.9 M before BGL's header
//!   was read from its stops at once and syslog's tag name eight bytes at
//!   a time. A million raw lines take 39 ms (OpenSSH) and 53 (BGL) on one
//!   thread, 22 and 29 on two (one run a process, least of 5 or 9, load
//!   2.5). Cutting the lines (`LineRanges`, SSE2, 64 bytes at a time)
//!   took about 145 instructions a line of HDFS before its `next` was
//!   inlined.
//! - Each piece writes into a room of one vector sized from the lines a
//!   byte of 8 sample pieces hold, not from a count of its own lines (one
//!   more pass over the text from memory). Split of a million lines on
//!   two threads (`SIG_BENCH_SPLIT=1 SIG_BENCH_RUNS=1`, least of 5 to 9
//!   processes, load 1.5 to 1.9): BGL 30 -> 25 ms, OpenSSH 22 -> 17-18,
//!   HDFS 20-28 -> 15-18, Spark 17-22 -> 13-17. A text whose samples
//!   disagree (one holds twice the lines a byte of another), with a piece
//!   of more than twice its room or under half of it, or whose rooms
//!   leave too little slack before a dense piece, is read again with
//!   counted rooms: the sampled reading, or what it did before giving
//!   up, is lost time. This session's testers: 20 MiB of 12-byte lines (a
//!   room is capped at a slot for each 16 bytes) split in 19 ms against
//!   11 with rooms counted first; pieces at 1.88 times their room, 300
//!   MiB, 1.1-1.3 s against 0.7-0.8. Rooms stay within twice what a
//!   piece's messages need: a text whose samples are denser than the
//!   rest by under two times keeps them so (16-byte lines at the sampled
//!   pieces, 60-byte ones between, 20 MiB: 42.2 MB peak against 42.0,
//!   and 50.5 when a piece gave up under a quarter of its room).
//!   Reading a batch of pieces into vectors of their own and appending
//!   them to the whole was slower in a fresh process (the appends fault
//!   in new pages on one thread).

use super::*;

/// A log file opened for its messages ([`messages`]): what template
/// mining is scored on.
pub struct MessageFile {
    entry: crate::bundle::Entry,
}

impl MessageFile {
    /// Opens `path` as `analyze` opens a bundle, so a compressed file
    /// (gzip, xz, zstd, bzip2) is decompressed within `limits`;
    /// an archive or folder of several files is refused, as is what
    /// `analyze` would not read as text (binary content, another
    /// encoding); runs of NUL bytes are no reason to refuse a log.
    pub fn open(path: &Path, limits: &crate::bundle::Limits) -> std::io::Result<MessageFile> {
        use crate::bundle::{self, OpenError};
        let bad = |msg: String| std::io::Error::new(std::io::ErrorKind::InvalidData, msg);
        let mut opened = bundle::open(path, limits).map_err(|e| match e {
            OpenError::Io { source, .. } => source,
            e => bad(e.to_string()),
        })?;
        let entry = match (opened.entries.len(), opened.skipped.as_slice()) {
            (1, []) => opened.entries.pop().expect("one entry"),
            (0, [s]) => return Err(bad(format!("not read: {}", s.reason))),
            (entries, skipped) => {
                let n = entries + skipped.len();
                let msg = format!("an archive or folder of {n} files; give one log file");
                return Err(bad(msg));
            }
        };
        if let Some(why) = crate::analysis::why_not_text(&entry.data) {
            return Err(bad(why));
        }
        Ok(MessageFile { entry })
    }

    /// Why the file was read only in part, if it was.
    pub fn truncated(&self) -> Option<&str> {
        self.entry.truncated.as_deref()
    }

    /// The file's text, bytes that are not UTF-8 replaced by U+FFFD.
    /// Valid text is borrowed after one SIMD check (`from_utf8_lossy`
    /// alone walks it in chunks at a tenth of the speed: a tenth of a
    /// million raw BGL lines' CPU).
    pub fn text(&self) -> Cow<'_, str> {
        match simdutf8::basic::from_utf8(&self.entry.data) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(&self.entry.data),
        }
    }
}

/// For every physical line of `text`, its 1-based number and its message:
/// the header cut off by the format detected on the first lines (among
/// [`Registry::builtin`], compiled at the first call), or the
/// whole line where that format does not read it; cut at 64 KiB as in
/// `analyze`. Lines are read in parallel (rayon), in order whatever the
/// thread count; a message borrows from `text` unless the format composes
/// it (an access log's).
pub fn messages<'t>(text: &'t str) -> Messages<'t> {
    // The vector of messages is filled whole: on huge pages (see
    // `crate::alloc`).
    crate::alloc::with_huge_pages(|| messages_on_huge_pages(text))
}

fn messages_on_huge_pages(text: &str) -> Messages<'_> {
    use fast::Start;
    let registry = Registry::builtin();
    let format = registry.detect(text).map(|d| registry.get(d.index));
    let Some(f) = format else {
        return read_lines(text, Cow::Borrowed);
    };
    // One loop for each format whose message start the fast reader finds,
    // the finder inlined in it (see `fast::Start`).
    macro_rules! from {
        ($start:expr) => {
            read_lines(text, |line| {
                f.message_from($start, line).unwrap_or(Cow::Borrowed(line))
            })
        };
    }
    match f.start() {
        Some(Start::Hdfs) => from!(Start::Hdfs),
        Some(Start::Bgl) => from!(Start::Bgl),
        Some(Start::Spark) => from!(Start::Spark),
        Some(Start::Syslog) => from!(Start::Syslog),
        None => read_lines(text, |line| f.message(line).unwrap_or(Cow::Borrowed(line))),
    }
}

/// [`messages`] with `read` giving each line's message, before the cut at
/// 64 KiB.
fn read_lines<'t, R>(text: &'t str, read: R) -> Messages<'t>
where
    R: Fn(&'t str) -> Cow<'t, str> + Sync,
{
    use rayon::prelude::*;
    // Pieces of about MESSAGE_PIECE bytes cut after a separator, each cut
    // into lines and read on its own. A piece counts its empty lines, as
    // the whole text's lines would, so that numbers are made whole-file by
    // adding the lines of the pieces before.
    let whole = chunk::LineRanges::new(text.as_bytes(), None);
    let (from, sep) = (whole.from(), whole.sep());
    let mut cuts = vec![from];
    while let Some(&at) = cuts.last().filter(|&&at| at < text.len()) {
        let end = (at + MESSAGE_PIECE).min(text.len());
        let next = memchr::memchr(sep, &text.as_bytes()[end..]).map_or(text.len(), |i| end + i + 1);
        cuts.push(next);
    }
    if cuts.len() <= 2 {
        // A text of one piece (or none): its own lines, BOM and all.
        let mut texts = Vec::with_capacity(count_lines(text.as_bytes(), sep));
        let piece = read_piece(&read, whole, text, texts.spare_capacity_mut());
        // A slot a line: none kept apart.
        assert!(
            piece.apart.is_empty() && !piece.full,
            "lines counted twice alike"
        );
        // SAFETY: `read_piece` wrote the first `written` slots.
        unsafe { texts.set_len(piece.written) };
        return Messages {
            texts,
            runs: piece.runs,
            owned: piece.owned,
        };
    }
    // Pieces are read into rooms sized from samples of the text, or,
    // where the samples disagree or a piece's lines do not fit the rooms
    // (see `read_in_rooms`), into rooms sized by a count of each piece's
    // lines: one more pass over the text from memory (6 ms of the header
    // split of a million BGL lines on two threads).
    let bytes = text.as_bytes();
    sampled_rooms(bytes, &cuts, sep)
        .and_then(|rooms| read_in_rooms(text, &cuts, sep, &read, &rooms, true))
        .unwrap_or_else(|| {
            let counts: Vec<usize> = (cuts.par_windows(2))
                .map(|w| count_lines(&bytes[w[0]..w[1]], sep))
                .collect();
            #[cfg(test)]
            tests::WAY.set(Some(tests::Way::Counted));
            read_in_rooms(text, &cuts, sep, &read, &counts, false).expect("a slot for each line")
        })
}

/// Rooms for the pieces of `bytes` between `cuts`: each piece's bytes
/// times the lines a byte of [`DENSITY_SAMPLES`] pieces spread over the
/// text (the first, the last but a short one, and evenly between), a
/// quarter again, at most a slot for each 16 bytes, and 64. None where
/// the densest sample holds more than twice the lines a byte of the
/// sparsest: a text of uneven lines is counted. For two pieces or more.
fn sampled_rooms(bytes: &[u8], cuts: &[usize], sep: u8) -> Option<Vec<usize>> {
    use rayon::prelude::*;
    // A last piece shorter than half a piece says little of the others:
    // left out of the samples, and its lines counted for its own room.
    let short_last = cuts[cuts.len() - 1] - cuts[cuts.len() - 2] < MESSAGE_PIECE / 2;
    let pieces = cuts.len() - 1 - short_last as usize;
    let samples = DENSITY_SAMPLES.min(pieces);
    let counted: Vec<(usize, usize)> = (0..samples)
        .into_par_iter()
        .map(|k| {
            let i = k * (pieces - 1) / (samples - 1).max(1);
            let piece = &bytes[cuts[i]..cuts[i + 1]];
            (count_lines(piece, sep), piece.len().max(1))
        })
        .collect();
    // Lines a byte compared as fractions: a/b > 2c/d.
    let denser = |x: &(usize, usize), y: &(usize, usize)| x.0 * y.1 > 2 * y.0 * x.1;
    if counted.iter().any(|x| counted.iter().any(|y| denser(x, y))) {
        return None;
    }
    let (lines, len) = (counted.iter()).fold((0, 0), |(l, n), &(a, b)| (l + a, n + b));
    let room = |n: usize| ((n * lines).div_ceil(len) * 5 / 4).min(n / 16) + 64;
    let mut rooms: Vec<usize> = cuts.windows(2).map(|w| room(w[1] - w[0])).collect();
    if short_last {
        *rooms.last_mut().expect("two pieces or more") =
            count_lines(&bytes[cuts[cuts.len() - 2]..], sep);
    }
    Some(rooms)
}

/// The messages of the pieces of `text` between `cuts`, each piece
/// written straight into its stretch of one vector, `rooms` slots long,
/// and the stretches then moved down over the slots they left unwritten.
/// A piece with more lines than its room keeps the rest apart, up to as
/// many again, and they go after its stretch's. None, the pieces given
/// up (each as soon as it can tell), when a piece holds more than twice
/// its room or, with `sampled` rooms, fills less than half of it
/// (its faulted-in pages would be mostly empty), or when the rooms
/// before a piece left too little slack for what it kept apart. A
/// vector a piece, copied into one after, was twice the memory, all of
/// it new pages.
fn read_in_rooms<'t, R>(
    text: &'t str,
    cuts: &[usize],
    sep: u8,
    read: &R,
    rooms: &[usize],
    sampled: bool,
) -> Option<Messages<'t>>
where
    R: Fn(&'t str) -> Cow<'t, str> + Sync,
{
    use rayon::prelude::*;
    use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
    let mut texts: Vec<&str> = Vec::with_capacity(rooms.iter().sum());
    let stretches = crate::alloc::stretches(texts.spare_capacity_mut(), rooms.iter().copied());
    let given_up = AtomicBool::new(false);
    let mut pieces: Vec<(u64, Piece)> = (cuts.par_windows(2).zip(stretches))
        .map(|(w, out)| {
            if given_up.load(Relaxed) {
                return (0, Piece::default());
            }
            let piece = &text[w[0]..w[1]];
            let mut lines = chunk::LineRanges::new(piece.as_bytes(), Some(sep));
            let room = out.len();
            let read = read_piece(read, lines.by_ref(), piece, out);
            if read.full || (sampled && read.written < room / 2) {
                given_up.store(true, Relaxed);
            }
            (lines.numbered(), read)
        })
        .collect();
    if given_up.into_inner() {
        return None;
    }
    // Whether the messages up to each piece's fit in the rooms up to its.
    let (mut at, mut room_before) = (0, 0);
    let fits = pieces.iter().zip(rooms).all(|((_, piece), room)| {
        at += piece.written;
        room_before += room;
        at <= room_before
    });
    if !fits {
        return None;
    }
    // The pieces' messages made one run, the slots their empty lines and
    // rooms left unwritten taken out.
    let mut all = Messages {
        texts: vec![],
        runs: Vec::new(),
        owned: Vec::new(),
    };
    let (mut at, mut before) = (0, 0);
    for (numbered, piece) in pieces.iter_mut() {
        all.runs
            .extend(piece.runs.drain(..).map(|(i, n)| (at + i, before + n)));
        all.owned
            .extend(piece.owned.drain(..).map(|(i, m)| (at + i, m)));
        before += *numbered;
        at += piece.written;
    }
    #[cfg(test)]
    if tests::WAY.get() != Some(tests::Way::Counted) {
        let apart = pieces.iter().any(|(_, p)| !p.apart.is_empty());
        tests::WAY.set(Some(
            [tests::Way::InPlace, tests::Way::Apart][apart as usize],
        ));
    }
    let (mut at, mut stretch) = (0, 0);
    let slots = texts.spare_capacity_mut();
    for ((_, piece), room) in pieces.iter().zip(rooms) {
        // `at` is not past `stretch`, and the messages kept apart end
        // before the next stretch: the rooms up to this piece hold its
        // messages and those before.
        let inside = piece.written - piece.apart.len();
        slots.copy_within(stretch..stretch + inside, at);
        let after = &mut slots[at + inside..at + piece.written];
        for (slot, &m) in after.iter_mut().zip(&piece.apart) {
            slot.write(m);
        }
        at += piece.written;
        stretch += room;
    }
    // SAFETY: slots `..at` hold the messages of every piece, each written
    // by `read_piece` and moved down over the unwritten slots before it,
    // or written just above.
    unsafe { texts.set_len(at) };
    texts.shrink_to_fit();
    all.texts = texts;
    Some(all)
}

/// Pieces whose lines are counted to size the rooms of all (see
/// [`sampled_rooms`]).
const DENSITY_SAMPLES: usize = 8;

/// How many lines `bytes`, cut at `sep`, holds at most: its separators and
/// one. Counted in bytes a block of 255 at a time, without a branch, which
/// the compiler turns into vector compares and adds; `memchr_iter(..)
/// .count()`, which visits each separator, made the header split of a
/// million OpenSSH or BGL lines 2 ms slower (23 -> 25, 31 -> 33 ms).
fn count_lines(bytes: &[u8], sep: u8) -> usize {
    let mut n = 1;
    for block in bytes.chunks(255) {
        n += block.iter().fold(0u8, |n, &b| n + (b == sep) as u8) as usize;
    }
    n
}

/// The messages of the lines of one piece of text, in order: each line's
/// message by `read`, cut at 64 KiB, written into the first slots of
/// `out`, and those `out` has no room for kept apart, after them, as many
/// as `out` has slots at most: the piece stops, `full`, at one more.
#[inline(always)]
fn read_piece<'t>(
    read: &impl Fn(&'t str) -> Cow<'t, str>,
    lines: impl Iterator<Item = (u64, usize, usize)>,
    piece: &'t str,
    out: &mut [std::mem::MaybeUninit<&'t str>],
) -> Piece<'t> {
    let mut read_lines = Piece::default();
    let room = out.len();
    // The number the line after the last one read would have.
    let mut next = 0;
    for (n, a, b) in lines.filter(|&(_, a, b)| b > a) {
        if n != next {
            read_lines.runs.push((read_lines.written, n));
        }
        next = n + 1;
        let mut msg = read(&piece[a..b]);
        frame::cut_message(&mut msg);
        let m = match msg {
            Cow::Borrowed(m) => m,
            Cow::Owned(m) => {
                read_lines.owned.push((read_lines.written, m));
                ""
            }
        };
        match out.get_mut(read_lines.written) {
            Some(slot) => _ = slot.write(m),
            None if read_lines.apart.len() < room => read_lines.apart.push(m),
            None => {
                read_lines.full = true;
                break;
            }
        }
        read_lines.written += 1;
    }
    read_lines
}

/// The messages of a text (see [`messages`]), 16 bytes a message beside
/// the text: one vector of messages that [`Messages::texts`] lends whole
/// to mining, and the line numbers as runs of consecutive lines (one run
/// a piece of text where no line is empty).
pub struct Messages<'a> {
    /// Every message in order; empty where the format composed it.
    texts: Vec<&'a str>,
    /// Runs of messages on consecutive lines: `(i, n)` says that message
    /// `i` is on line `n` (1-based, in the whole text), and each message
    /// after it up to the next run on the line after the one before.
    runs: Vec<(usize, u64)>,
    /// The composed messages, by index, in order.
    owned: Vec<(usize, String)>,
}

/// What one piece of text read beside its messages: how many it wrote
/// (those kept apart too), the messages its stretch had no room for, and
/// as [`Messages`], indices and line numbers within the piece.
#[derive(Default)]
struct Piece<'t> {
    written: usize,
    apart: Vec<&'t str>,
    /// Whether it stopped with lines left: more than twice its room
    /// (`apart` as long as the room, and one more line).
    full: bool,
    runs: Vec<(usize, u64)>,
    owned: Vec<(usize, String)>,
}

impl<'a> Messages<'a> {
    /// Number of messages.
    pub fn len(&self) -> usize {
        self.texts.len()
    }

    /// Whether no line held a message.
    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    /// Every message, in order: borrowed whole unless a format composed
    /// some (then a copy of the list, not of the texts).
    pub fn texts(&self) -> Cow<'_, [&str]> {
        if self.owned.is_empty() {
            return Cow::Borrowed(&self.texts);
        }
        let mut texts = self.texts.clone();
        for (i, m) in &self.owned {
            texts[*i] = m;
        }
        Cow::Owned(texts)
    }

    /// Each message with its 1-based line number in the text, in order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &str)> + '_ {
        let mut owned = self.owned.iter().peekable();
        let ends = (self.runs.iter().skip(1).map(|r| r.0)).chain([self.texts.len()]);
        (self.runs.iter().zip(ends))
            .flat_map(|(&(start, line), end)| {
                (start..end).map(move |i| (i, line + (i - start) as u64))
            })
            .map(move |(i, line)| {
                let text = match owned.next_if(|(j, _)| *j == i) {
                    Some((_, m)) => m.as_str(),
                    None => self.texts[i],
                };
                (line, text)
            })
    }
}

/// Bytes of text [`messages`] reads as one piece of parallel work.
const MESSAGE_PIECE: usize = 1 << 20;

#[cfg(test)]
mod tests {
    use super::*;

    /// How [`read_lines`] read the last text of several pieces on this
    /// thread.
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub(super) enum Way {
        /// Rooms from samples, each piece's lines in its own.
        InPlace,
        /// Rooms from samples, a piece's rest kept apart and put after it.
        Apart,
        /// Rooms from a count of each piece's lines.
        Counted,
    }

    thread_local! {
        pub(super) static WAY: std::cell::Cell<Option<Way>> = const { std::cell::Cell::new(None) };
    }

    /// [`messages`] read whole, one line after another.
    fn messages_serial(text: &str) -> Vec<(u64, String)> {
        let registry = Registry::default();
        let format = registry.detect(text).map(|d| registry.get(d.index));
        frame::lines(text)
            .map(|(n, line)| {
                let mut msg = format
                    .and_then(|f| f.parse(line))
                    .map_or(Cow::Borrowed(line), |f| f.msg);
                frame::cut_message(&mut msg);
                (n, msg.into_owned())
            })
            .collect()
    }

    /// The message-only readers and the composed messages kept apart give
    /// what each format's whole reader gives, line for line, on real logs
    /// of the formats that have a fast reader (an access log's messages
    /// are composed, a pino line's read by the JSON scanner); and
    /// [`Messages::texts`] lends the same messages as [`Messages::iter`].
    #[test]
    fn messages_read_as_the_formats_parse() {
        let bundle = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/sample-bundle/sb_shop-demo-01_20261204_162345/logs");
        let mut files = vec![
            (bundle.join("nginx/access.log"), "nginx-combined"),
            (bundle.join("app/api-1.log"), "json"),
            (bundle.join("postgresql/postgresql.log"), "postgres-stderr"),
        ];
        let loghub = corpus::shared().join("data/loghub2k");
        for (system, format) in [
            ("BGL", "bgl"),
            ("OpenSSH", "syslog-rfc3164"),
            ("Spark", "spark"),
        ] {
            let path = loghub.join(format!("{system}/{system}_2k.log"));
            if path.exists() {
                files.push((path, format));
            }
        }
        let registry = Registry::default();
        for (path, name) in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let detected = registry.detect(&text).map(|d| registry.get(d.index).name());
            assert_eq!(detected, Some(name), "{}", path.display());
            assert!(fast::readers(name).is_some(), "{name}");
            let got = messages(&text);
            let listed: Vec<(u64, String)> = got.iter().map(|(n, m)| (n, m.to_string())).collect();
            let want = messages_serial(&text);
            assert!(want.len() > 100, "{}: {}", path.display(), want.len());
            assert_eq!(listed, want, "{}", path.display());
            let texts: Vec<&str> = got.iter().map(|(_, m)| m).collect();
            assert_eq!(got.texts().as_ref(), texts.as_slice(), "{}", path.display());
            // Access log messages are composed, not borrowed.
            if name == "nginx-combined" {
                assert_eq!(got.owned.len(), got.len());
            }
        }
        // Every built-in format with a fast reader has a message-only one.
        for f in registry.formats() {
            assert_eq!(
                f.fast().is_some(),
                fast::readers(f.name()).is_some(),
                "{}",
                f.name()
            );
        }
    }

    /// Texts of several pieces give the line numbers and messages of the
    /// whole text read line by line: a BOM, CRLF endings, runs of empty
    /// lines across piece cuts, lines the format does not read, a line
    /// over 64 KiB, carriage returns alone; and no trailing line feed.
    #[test]
    fn messages_in_pieces_are_the_whole_texts() {
        let shared = corpus::shared().join("data/loghub2k/HDFS/HDFS_2k.log");
        let Ok(hdfs) = std::fs::read_to_string(&shared) else {
            eprintln!("skipped: {} not found", shared.display());
            return;
        };
        let mut text = String::from("\u{feff}");
        let mut i = 0;
        while text.len() < 3 * MESSAGE_PIECE {
            for (j, line) in hdfs.lines().enumerate() {
                text.push_str(line);
                text.push_str(match (i + j) % 7 {
                    0 => "\r\n",
                    1 => "\n\n\n",
                    _ => "\n",
                });
            }
            text.push_str("not a header at all\n");
            text.push_str(&"x".repeat(70_000));
            text.push('\n');
            i += 1;
        }
        text.push_str("081109 203615 148 INFO dfs.DataNode$PacketResponder: last");
        let want = messages_serial(&text);
        let got: Vec<(u64, String)> = (messages(&text).iter())
            .map(|(n, m)| (n, m.to_string()))
            .collect();
        assert!(got.len() > 10_000, "{}", got.len());
        assert_eq!(got.len(), want.len());
        assert_eq!(got, want);
        assert_eq!(
            got[0].1,
            "PacketResponder 1 for block blk_38865049064139660 terminating"
        );
        assert_eq!(got.last().unwrap().1, "last");
        assert_eq!(got[1].0, 2);
        // Carriage returns alone separate the lines of a file without a
        // line feed.
        let cr = text.replace("\r\n", "\r").replace('\n', "\r");
        let got: Vec<(u64, String)> = (messages(&cr).iter())
            .map(|(n, m)| (n, m.to_string()))
            .collect();
        assert_eq!(got, messages_serial(&cr));
        assert_eq!(got.len(), want.len());
        // Texts without a line that holds a byte give no message.
        for empty in ["", "\n", "\r", "\u{feff}", "\u{feff}\n", "\r\n\r\n"] {
            assert!(messages(empty).is_empty(), "{empty:?}");
        }
        let m = messages("\n\na");
        assert_eq!(m.iter().collect::<Vec<_>>(), vec![(3, "a")]);
        assert_eq!(m.len(), 1);
    }

    /// Every way of reading a text of several pieces gives the whole
    /// text's messages and line numbers: rooms from even samples (a dense
    /// piece's rest kept apart and placed after it), and rooms counted (a
    /// piece over twice its room, or dense where the pieces before left
    /// too little slack, or under half full; samples that disagree;
    /// lines too short for the rooms' cap).
    #[test]
    fn every_way_of_sizing_rooms_reads_the_whole_text() {
        // `parts` is (line length, pieces of such lines), in order.
        let text_of = |parts: &[(usize, usize)]| {
            let mut text = String::new();
            for (i, &(len, pieces)) in parts.iter().enumerate() {
                let line = format!("081109 203615 148 INFO dfs.DataNode: {i} ");
                let line = format!("{line}{}\n", "y".repeat(len.saturating_sub(line.len() + 1)));
                let goal = text.len() + pieces * MESSAGE_PIECE;
                while text.len() < goal {
                    text.push_str(&line);
                }
            }
            text
        };
        // Fifteen pieces are sampled at the even ones: a dense odd piece
        // leaves the samples even.
        let cases = [
            (text_of(&[(200, 3), (120, 1), (200, 11)]), Way::Apart),
            (text_of(&[(200, 1), (110, 1), (200, 13)]), Way::Counted),
            (text_of(&[(200, 7), (1000, 1), (200, 7)]), Way::Counted),
            (text_of(&[(200, 1), (50, 1), (200, 13)]), Way::Counted),
            (text_of(&[(50, 1), (1000, 5)]), Way::Counted),
            ("ab\n".repeat(3 * MESSAGE_PIECE / 3), Way::Counted),
            (text_of(&[(200, 15)]), Way::InPlace),
        ];
        for (mut text, way) in cases {
            // A short last piece of empty lines and CRLF endings, left
            // out of the samples.
            for i in 0..3000 {
                text.push_str(["\n", "a b\r\n", "c\n"][i % 3]);
            }
            WAY.set(None);
            let got: Vec<(u64, String)> = (messages(&text).iter())
                .map(|(n, m)| (n, m.to_string()))
                .collect();
            assert_eq!(WAY.get(), Some(way), "{}", text.len());
            let want = messages_serial(&text);
            assert!(want.len() > 5000, "{way:?}: {}", want.len());
            assert_eq!(got, want, "{way:?}");
        }
    }
}

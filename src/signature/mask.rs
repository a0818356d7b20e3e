//! Masking: one pass over a message's bytes that writes its *key* (the
//! message with every value replaced by `<*>` and whitespace folded to one
//! space) and remembers where each value and each key token came from.
//!
//! A word is cut at punctuation that glues keys and values together
//! (`=:,;()[]{}<>"'|@.`). A piece between cuts is a value when it holds a
//! digit (numbers, hex, IPs, ids, durations, UUIDs, dates) or is a run of 8
//! or more hex digits. A path, or a dotted name that starts with a value (an
//! IP, a host name), is one piece; a path without a digit (`/api/report`)
//! stays a constant, so that routes keep apart. What follows `key=` is a
//! value, digits or not (`user=root`, `r24=0x1f` give `user=<*>`,
//! `r24=<*>`). Values separated only by `,`, `;`, `:`, `.` or spaces fold
//! into one `<*>`, so `10.0.0.1:50010`, `07:07:00` and lists of ids of any
//! length give one key.

mod bits;
use bits::*;

/// Bytes that cut a word into pieces and are kept in the key as they are.
const CUT: u8 = 1;
/// Bytes that may separate two values folded into one `<*>`.
const LIST_SEP: u8 = 2;
/// Bytes that end the value of `key=value` inside a word.
const VALUE_END: u8 = 4;
/// A digit.
const DIGIT: u8 = 8;
/// Space or tab: what separates words.
const SPACE: u8 = 16;

/// Byte classes, one lookup per byte in the hot loop.
static CLASS: [u8; 256] = classes();

const fn classes() -> [u8; 256] {
    let mut t = [0u8; 256];
    let sets: [(&[u8], u8); 5] = [
        (b" \t", SPACE),
        (b"=:,;()[]{}<>\"'|@.", CUT),
        (b",;:. ", LIST_SEP),
        (b",;)]}\"'", VALUE_END),
        (b"0123456789", DIGIT),
    ];
    let mut s = 0;
    while s < sets.len() {
        let (bytes, class) = sets[s];
        let mut i = 0;
        while i < bytes.len() {
            t[bytes[i] as usize] |= class;
            i += 1;
        }
        s += 1;
    }
    t
}

#[inline]
fn is(c: u8, class: u8) -> bool {
    CLASS[c as usize] & class != 0
}
/// Words that belong to a date or time next to a value, and size units that
/// belong to the number before them (`5.8 KB`, `913 B`).
const DATE_WORDS: &[&[u8]] = &[
    b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun", b"Jan", b"Feb", b"Mar", b"Apr", b"May",
    b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec", b"AM", b"PM", b"UTC", b"GMT", b"PDT",
    b"PST", b"EDT", b"EST", b"CET", b"CEST",
];
const UNITS: &[&[u8]] = &[
    b"B", b"KB", b"MB", b"GB", b"TB", b"KiB", b"MiB", b"GiB", b"TiB", b"bytes",
];

/// [`DATE_WORDS`] and [`UNITS`] as [`code`]s: one integer compare per entry
/// instead of a byte compare, on the hottest path of masking.
static DATE_CODES: [u64; DATE_WORDS.len()] = codes(DATE_WORDS);
static UNIT_CODES: [u64; UNITS.len()] = codes(UNITS);

/// A word of at most 7 bytes packed into one integer with its length; longer
/// words get 0, which no table holds.
const fn code(w: &[u8]) -> u64 {
    if w.len() > 7 {
        return 0;
    }
    let mut c = (w.len() as u64) << 56;
    let mut i = 0;
    while i < w.len() {
        c |= (w[i] as u64) << (8 * i);
        i += 1;
    }
    c
}

const fn codes<const N: usize>(words: &[&[u8]]) -> [u64; N] {
    let mut out = [0u64; N];
    let mut i = 0;
    while i < N {
        out[i] = code(words[i]);
        i += 1;
    }
    out
}

/// Where one `<*>` of the key, or one space-separated token of the key, came
/// from in the message: byte offsets `start..end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

/// One space-separated token of the key: its raw span in the message and the
/// range of its values in [`Masked::vars`].
#[derive(Clone, Copy, Debug)]
pub struct Token {
    pub key_start: u32,
    pub raw: Span,
    pub vars_lo: u32,
}

/// Reusable scratch for [`mask`]; one per thread.
#[derive(Default)]
pub struct Masked {
    /// The key: masked message, tokens separated by one space.
    pub key: Vec<u8>,
    /// Raw span of each `<*>` of the key, in order.
    pub vars: Vec<Span>,
    /// The key's tokens.
    pub tokens: Vec<Token>,
    /// The message's byte classes, reused from one message to the next.
    bits: Bits,
}

impl Masked {
    /// Values of token `i`, as spans into the message.
    pub fn token_vars(&self, i: usize) -> &[Span] {
        let lo = self.tokens[i].vars_lo as usize;
        let hi = self
            .tokens
            .get(i + 1)
            .map_or(self.vars.len(), |t| t.vars_lo as usize);
        &self.vars[lo..hi]
    }

    /// Text of token `i` in the key.
    pub fn token_key(&self, i: usize) -> &[u8] {
        let lo = self.tokens[i].key_start as usize;
        let hi = self
            .tokens
            .get(i + 1)
            .map_or(self.key.len(), |t| t.key_start as usize - 1);
        &self.key[lo..hi]
    }
}

/// Masks `msg` into `out` (cleared first).
pub fn mask(msg: &str, out: &mut Masked) {
    mask_into::<true, true>(msg, out);
}

/// [`mask`] without [`Masked::tokens`] (left empty): the key and the
/// values are all that the first pass of mining keeps, and the token
/// records are a tenth of the work on lines of short words.
pub fn mask_key(msg: &str, out: &mut Masked) {
    mask_into::<false, true>(msg, out);
}

/// Masking itself; with `SIMD`, the byte classes are found by AVX2
/// where the processor has it, else byte by byte (the same key and
/// values: tests compare both on real lines and on every byte value).
fn mask_into<const TOKENS: bool, const SIMD: bool>(msg: &str, out: &mut Masked) {
    out.key.clear();
    out.vars.clear();
    out.tokens.clear();
    let b = msg.as_bytes();
    // Room for the whole key, so that `put` finds it: each byte gives at
    // most three (a one-byte value `<*>`), each space at most one.
    out.key.reserve(3 * b.len());
    let mut bits = std::mem::take(&mut out.bits);
    bits.classify::<SIMD>(b);
    // Key offset just after the last `<*>`, if any.
    let mut last_var: Option<usize> = None;
    let mut i = bits.next(SPACE_BITS, false, 0, b.len());
    while i < b.len() {
        // The word's end, and whether it holds cut bytes or digits.
        let end = bits.next(SPACE_BITS, true, i, b.len());
        let classes =
            (bits.any(CUT_BITS, i, end) as u8 * CUT) | (bits.any(DIGIT_BITS, i, end) as u8 * DIGIT);
        // Each word adds to the key, so the key is empty before the first.
        if !out.key.is_empty() {
            out.key.push(b' ');
        }
        if TOKENS {
            out.tokens.push(Token {
                key_start: out.key.len() as u32,
                raw: Span {
                    start: i as u32,
                    end: end as u32,
                },
                vars_lo: out.vars.len() as u32,
            });
        }
        let word = &b[i..end];
        let n = match may_be_whole_value(word, classes) {
            true => whole_word_value(word, &b[end..], out, last_var),
            false => 0,
        };
        if n > 0 {
            push_var::<TOKENS>(out, &mut last_var, i, i + n);
            if n < word.len() {
                mask_word::<TOKENS>(b, &bits, i + n, end, out, &mut last_var);
            }
        } else if classes & CUT == 0 {
            // A word without cut bytes is one piece: a value when it holds
            // a digit or is a hex run, else a plain word (most of them)
            // that the key keeps as it is.
            match classes & DIGIT != 0 || is_hex_run(word) {
                true => push_var::<TOKENS>(out, &mut last_var, i, end),
                false => put(&mut out.key, word),
            }
        } else {
            mask_word::<TOKENS>(b, &bits, i, end, out, &mut last_var);
        }
        i = bits.next(SPACE_BITS, false, end, b.len());
    }
    out.bits = bits;
}

/// Masks the pieces of the word `start..end`, cut at the cut bytes that
/// `bits` marks.
fn mask_word<const TOKENS: bool>(
    b: &[u8],
    bits: &Bits,
    start: usize,
    end: usize,
    out: &mut Masked,
    last_var: &mut Option<usize>,
) {
    let mut i = start;
    while i < end {
        if is(b[i], CUT) {
            out.key.push(b[i]);
            i += 1;
            continue;
        }
        // The piece's end and whether it holds a digit.
        let mut j = bits.next(CUT_BITS, true, i, end);
        let mut classes = bits.any(DIGIT_BITS, i, j) as u8 * DIGIT;
        let mut forced = false;
        if i > start && b[i - 1] == b'=' {
            // The value of `key=value` runs to the end of the word.
            while j < end && !is(b[j], VALUE_END) {
                j += 1;
            }
            forced = true;
        } else if b[i] == b'/' || (j < end && b[j] == b'.' && is_value_of(&b[i..j], classes)) {
            // A path, or a dotted name that starts with a value (an IP, a
            // host), is one value: it runs to the first cut byte but `.`.
            let from = j;
            while j < end && b[j] == b'.' {
                j = bits.next(CUT_BITS, true, j + 1, end);
            }
            if j > from && bits.any(DIGIT_BITS, from, j) {
                classes |= DIGIT;
            }
        }
        let is_key = j < end && b[j] == b'=';
        if !is_key && (forced || is_value_of(&b[i..j], classes)) {
            // Trailing dots end a sentence, not a value.
            let mut vend = j;
            while vend > i + 1 && b[vend - 1] == b'.' {
                vend -= 1;
            }
            push_var::<TOKENS>(out, last_var, i, vend);
            put(&mut out.key, &b[vend..j]);
        } else {
            put(&mut out.key, &b[i..j]);
        }
        i = j;
    }
}

/// Appends `src` to `key`: up to 16 bytes by two loads and stores of 8
/// (or 4) bytes from each end, overlapping, when `key` has the room;
/// else as `extend_from_slice` does, which calls `memcpy` (those calls,
/// nearly all for short words, were a twentieth of mining a million
/// OpenSSH lines).
#[inline(always)]
fn put(key: &mut Vec<u8>, src: &[u8]) {
    let (n, len) = (src.len(), key.len());
    if n > 16 || key.capacity() - len < n {
        key.extend_from_slice(src);
        return;
    }
    // SAFETY: `key` has room for `n` more bytes (checked above) and `src`
    // holds `n`; every read and write below lies within the first `n`
    // bytes of each, unaligned, and the two never overlap (`key` is
    // borrowed mutably). The `n` bytes are all written before the length
    // takes them in.
    unsafe {
        let (d, s) = (key.as_mut_ptr().add(len), src.as_ptr());
        match n {
            0 => {}
            1..=3 => {
                *d = *s;
                *d.add(n / 2) = *s.add(n / 2);
                *d.add(n - 1) = *s.add(n - 1);
            }
            4..=7 => {
                d.cast::<u32>()
                    .write_unaligned(s.cast::<u32>().read_unaligned());
                (d.add(n - 4).cast::<u32>())
                    .write_unaligned(s.add(n - 4).cast::<u32>().read_unaligned());
            }
            _ => {
                d.cast::<u64>()
                    .write_unaligned(s.cast::<u64>().read_unaligned());
                (d.add(n - 8).cast::<u64>())
                    .write_unaligned(s.add(n - 8).cast::<u64>().read_unaligned());
            }
        }
        key.set_len(len + n);
    }
}

/// Appends a value spanning `start..end`, folding it into the previous
/// `<*>` when only list separators stand between them.
fn push_var<const TOKENS: bool>(
    out: &mut Masked,
    last_var: &mut Option<usize>,
    start: usize,
    end: usize,
) {
    if let Some(lv) = *last_var {
        if out.key[lv..].iter().all(|&c| is(c, LIST_SEP)) {
            out.key.truncate(lv);
            out.vars.last_mut().unwrap().end = end as u32;
            if !TOKENS {
                return;
            }
            while out.tokens.len() > 1 && out.tokens.last().unwrap().key_start as usize > lv {
                let gone = out.tokens.pop().unwrap();
                out.tokens.last_mut().unwrap().raw.end = gone.raw.end;
            }
            out.tokens.last_mut().unwrap().raw.end =
                out.tokens.last().unwrap().raw.end.max(end as u32);
            return;
        }
    }
    out.key.extend_from_slice(b"<*>");
    *last_var = Some(out.key.len());
    out.vars.push(Span {
        start: start as u32,
        end: end as u32,
    });
}

/// Whether [`whole_word_value`] may find a value in `word`, whose bytes'
/// classes are `classes`: a cheap test that most words fail, so that the
/// call and its trim are skipped for them. Date words and units start
/// upper-case or are `bytes`, and are at most 5 bytes long unless cut
/// bytes trail them; hex pairs start with a hex digit and have a third
/// byte `:` or `-`, which spares the numbers (`3.0`, `11),`).
#[inline(always)]
fn may_be_whole_value(word: &[u8], classes: u8) -> bool {
    let c = word[0];
    let pairs = word.len() >= 5 && (word[2] == b':' || word[2] == b'-');
    if c.is_ascii_uppercase() || c == b'b' {
        pairs || word.len() <= 5 || classes & CUT != 0
    } else {
        c.is_ascii_hexdigit() && pairs
    }
}

/// How many leading bytes of the word are one value (0: none): hex pairs
/// (`00:0d:60:e9`), a date word next to a value, or a size unit after a
/// number. Trailing punctuation stays out.
fn whole_word_value(word: &[u8], after: &[u8], out: &Masked, last_var: Option<usize>) -> usize {
    // Its one caller has asked `may_be_whole_value` first: the word starts
    // upper-case or with a hex digit (`bytes`), which is the core's first
    // when the core is not empty.
    let core = trim_cut(word);
    // Date words and units are 1 to 5 letters; hex pairs start with a hex
    // digit.
    if core.is_empty() || (core.len() > 5 && !core[0].is_ascii_hexdigit()) {
        return 0;
    }
    // Every date word and unit but `bytes` starts upper-case; other words
    // can only be hex pairs.
    if !core[0].is_ascii_uppercase() && core != b"bytes" {
        return if is_hex_pairs(core) { core.len() } else { 0 };
    }
    let after_value = last_var.is_some_and(|lv| lv + 1 == out.key.len());
    let c = code(core);
    let yes = if UNIT_CODES.contains(&c) {
        after_value
    } else if DATE_CODES.contains(&c) {
        let next = after.trim_ascii_start();
        let next_word = trim_cut(
            &next[..next
                .iter()
                .position(|&c| is(c, SPACE))
                .unwrap_or(next.len())],
        );
        let next_is_date = DATE_CODES.contains(&code(next_word));
        after_value || next_is_date || next.first().is_some_and(u8::is_ascii_digit)
    } else {
        is_hex_pairs(core)
    };
    if yes {
        core.len()
    } else {
        0
    }
}

fn trim_cut(w: &[u8]) -> &[u8] {
    let n = w.iter().rposition(|&c| !is(c, CUT)).map_or(0, |p| p + 1);
    &w[..n]
}

/// `aa:bb:cc` or `aa-bb-cc`: two hex digits, then separator and two more.
fn is_hex_pairs(w: &[u8]) -> bool {
    w.len() >= 5
        && w.len() % 3 == 2
        && w.chunks(3).all(|c| {
            c[0].is_ascii_hexdigit()
                && c[1].is_ascii_hexdigit()
                && (c.len() == 2 || c[2] == b':' || c[2] == b'-')
        })
}

/// A piece of a word is a value when it holds a digit or is a run of 8 or
/// more hex digits (`deadbeef`); `classes` is the union of its bytes'.
fn is_value_of(piece: &[u8], classes: u8) -> bool {
    classes & DIGIT != 0 || is_hex_run(piece)
}

/// A run of 8 or more hex digits: [`is_value`] for a piece known to hold
/// no digit.
fn is_hex_run(piece: &[u8]) -> bool {
    piece.len() >= 8 && piece.iter().all(u8::is_ascii_hexdigit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(msg: &str) -> String {
        let mut m = Masked::default();
        mask(msg, &mut m);
        String::from_utf8(m.key).unwrap()
    }

    fn vars(msg: &str) -> Vec<&str> {
        let mut m = Masked::default();
        mask(msg, &mut m);
        m.vars
            .iter()
            .map(|s| &msg[s.start as usize..s.end as usize])
            .collect()
    }

    #[test]
    fn date_words_and_units_start_upper_case_but_bytes() {
        // `whole_word_value` skips the tables for other words.
        for w in DATE_WORDS.iter().chain(UNITS) {
            assert!(w[0].is_ascii_uppercase() || *w == b"bytes", "{w:?}");
            // Words that start otherwise leave at their first byte.
            assert!(w[0].is_ascii_uppercase() || w[0].is_ascii_hexdigit());
        }
        assert_eq!(key("Jun 5 12:00 ok"), "<*> ok");
        assert_eq!(key("mac 00:0d:60:e9:23:7e ok"), "mac <*> ok");
        assert_eq!(key("sent 913 bytes"), "sent <*>");
        assert_eq!(key("bytes 913"), "bytes <*>");
    }

    #[test]
    fn hdfs_block_and_ip_port() {
        let msg = "Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106 \
                   dest: /10.250.19.102:50010";
        assert_eq!(key(msg), "Receiving block <*> src: <*> dest: <*>");
        assert_eq!(vars(msg)[1], "/10.250.19.102:54106");
    }

    #[test]
    fn bgl_key_glued_to_hex_value() {
        let msg = "r24=0x00000000 r25=0x1effe6d0 r26=0x00000001";
        assert_eq!(key(msg), "r24=<*> r25=<*> r26=<*>");
    }

    #[test]
    fn openssh_keys_with_and_without_values() {
        let msg = "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 \
                   tty=ssh ruser= rhost=173.234.31.186  user=root";
        assert_eq!(
            key(msg),
            "pam_unix(sshd:auth): authentication failure; logname= uid=<*> euid=<*> \
             tty=<*> ruser= rhost=<*> user=<*>"
        );
    }

    #[test]
    fn linux_date_folds_into_one_value() {
        let msg = "connection from 24.54.76.216 (24-54-76-216.bflony.adelphia.net) at \
                   Fri Jun 17 07:07:00 2005";
        assert_eq!(key(msg), "connection from <*> (<*>) at <*>");
    }

    #[test]
    fn id_lists_of_any_length_give_one_key() {
        let a = key("Removed blocks [1, 2, 3] from 10.0.0.1");
        let b = key("Removed blocks [17, 4] from 10.0.0.2");
        assert_eq!(a, b);
        assert_eq!(a, "Removed blocks [<*>] from <*>");
    }

    #[test]
    fn bgl_mac_and_dotted_names() {
        let msg = "Ido chip status changed: FF:F2:9F:16:DC:81:00:0D:60:E9:23:7E ip=10.6.1.207 \
                   v=13 t=4 status=M Tue Aug 09 10:08:23 PDT 2005";
        assert_eq!(
            key(msg),
            "Ido chip status changed: <*> ip=<*> v=<*> t=<*> status=<*>"
        );
        assert_eq!(key("generating core.2275"), "generating core.<*>");
        assert_eq!(key("iar badaacec dear 711fde73"), "iar <*> dear <*>");
        assert_eq!(key("store operation......1"), "store operation......<*>");
    }

    #[test]
    fn spark_size_units_belong_to_the_number() {
        let a = key("stored (estimated size 913.0 B, free 804.8 KB)");
        assert_eq!(a, key("stored (estimated size 5.8 KB, free 329.6 MB)"));
        assert_eq!(a, "stored (estimated size <*>, free <*>)");
    }

    #[test]
    fn paths_uuids_durations_and_sentence_dots() {
        assert_eq!(
            key("Created local directory at /opt/app_1485248649253_0147/x.jar"),
            "Created local directory at <*>"
        );
        // Routes without digits are part of the message, not values.
        assert_eq!(
            key("GET /api/report 500 Internal Server Error"),
            "GET /api/report <*> Internal Server Error"
        );
        assert_eq!(
            key("task 6f1c0f5e-9a4b-4c3e-8f00-0123456789ab done in 12.5ms."),
            "task <*> done in <*>."
        );
        assert_eq!(key("on port 55904."), "on port <*>.");
    }

    /// The first pass's masking without tokens gives the same key and
    /// values, folded lists and date words included.
    #[test]
    fn mask_key_equals_mask() {
        let msgs = [
            "Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106 dest: /10.250.19.102:50010",
            "connection from 24.54.76.216 (24-54-76-216.bflony.adelphia.net) at Fri Jun 17 07:07:00 2005",
            "Removed blocks [1, 2, 3] from 10.0.0.1",
            "ids 1, 2, 3 end",
            "stored (estimated size 913.0 B, free 804.8 KB)",
            "k=x<*>y end",
            "",
            "   ",
        ];
        let (mut a, mut b) = (Masked::default(), Masked::default());
        for msg in msgs {
            mask(msg, &mut a);
            mask_key(msg, &mut b);
            assert_eq!((&a.key, &a.vars), (&b.key, &b.vars), "{msg}");
            assert!(b.tokens.is_empty());
        }
    }

    /// Key, values and tokens of `msg` with the byte classes by AVX2
    /// and by the byte loop alone.
    fn both_paths(msg: &str) -> [String; 2] {
        [true, false].map(|simd| {
            let mut m = Masked::default();
            match simd {
                true => mask_into::<true, true>(msg, &mut m),
                false => mask_into::<true, false>(msg, &mut m),
            }
            format!("{:?} {:?} {:?}", m.key, m.vars, m.tokens)
        })
    }

    /// Byte classes by AVX2 give what the byte loop gives: on the
    /// Loghub-2k lines when `shared/` is there, and on words that end at,
    /// before and after the 16th and 32nd byte and at the message's end,
    /// with tabs, bytes beside the letters and digits in ASCII
    /// (`@[`{/:`), `_-/`, cut bytes and non-ASCII letters.
    #[test]
    fn masking_by_avx2_equals_the_byte_loop() {
        let mut lines: Vec<String> = [
            "Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106 dest: /10.250.19.102:50010",
            "Failed password for invalid user webmaster from 173.234.31.186 port 38926 ssh2",
            "Running task 0.0 in stage 1.0 (TID 3) abcdefghijklmnop abcdefghijklmno x",
            "deadbeefcafe acceded Jun Mon bytes KB ab-cd-ef abcdefgh ABCDEFGH tail",
            "a@b a[b a`b a{b a\tb\tc  x\t\ty Zz zZ aaaaaaaaaaaaaaa\tbbbbbbbbbbbbbbbb ccccccccccccccccc",
            "été café naïve Ünïcode words here and more words to pass sixteen bytes",
            "word1 wo2rd w:rd w=rd w.rd w,rd (word) [word] {word} 'word' \"word\" w|d w<d w>d w;d",
            "blk_-1608999687919862906 /a/b/c9 a_b-c/d 0123456789abcdef0123 x/y.z 9:0 a9@ 9`z 9{z",
            "deadbeef_cafe dead-beef ab-cd-ef-12 ab-cd-ef-1 abcdefg1 --- ___ /// 7 77 777 end",
        ]
        .map(String::from)
        .to_vec();
        for len in 1..40 {
            for at in 0..20 {
                for (fill, last) in [("q", "q"), ("7", "7"), ("a", "."), ("b_", "9"), ("-", "@")] {
                    let mut l = " ".repeat(at) + &fill.repeat(len) + last;
                    lines.push(l.clone());
                    l.push_str(" end");
                    lines.push(l);
                }
            }
        }
        let root = crate::logs::corpus::shared().join("data/loghub2k");
        for d in std::fs::read_dir(root).into_iter().flatten().flatten() {
            let name = d.file_name().to_string_lossy().into_owned();
            if let Ok(t) = std::fs::read_to_string(d.path().join(format!("{name}_2k.log"))) {
                lines.extend(t.lines().map(String::from));
            }
        }
        for l in &lines {
            let [simd, bytes] = both_paths(l);
            assert_eq!(simd, bytes, "{l}");
        }
    }

    /// `put` appends as `extend_from_slice` does, for every length to 40
    /// after keys of every length to 20, with room and without.
    #[test]
    fn put_appends_every_length() {
        let src: Vec<u8> = (0..40u8).map(|i| b'a' + i).collect();
        for before in 0..20 {
            for n in 0..=40 {
                for room in [0, 64] {
                    let mut key = Vec::with_capacity(before + room);
                    key.extend(std::iter::repeat_n(b'-', before));
                    put(&mut key, &src[..n]);
                    let mut want = vec![b'-'; before];
                    want.extend_from_slice(&src[..n]);
                    assert_eq!(key, want, "{before} {n} {room}");
                }
            }
        }
    }

    #[test]
    fn tokens_follow_folded_values() {
        let mut m = Masked::default();
        let msg = "ids 1, 2, 3 end";
        mask(msg, &mut m);
        assert_eq!(m.tokens.len(), 3);
        assert_eq!(m.token_key(1), b"<*>");
        let raw = m.tokens[1].raw;
        assert_eq!(&msg[raw.start as usize..raw.end as usize], "1, 2, 3");
        assert_eq!(m.token_key(2), b"end");
    }
}

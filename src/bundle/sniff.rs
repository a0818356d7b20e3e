//! What a stream holds, judged from its first bytes: a compressed stream
//! (gzip, xz, zstd, bzip2), a tar or zip archive, or plain bytes.
//!
//! Magic bytes decide; a name only helps where the format has no magic (an
//! old tar without `ustar` still has a header checksum, which is checked).
//! A name that says `.log.xz` over gzip bytes is read as gzip.
//!
//! # Limitations
//! - lz4, 7z and rar are recognised only to say so: they are not read.
//! - A zstd stream that begins with a skippable frame is not recognised.

use std::io::Read;

/// How many leading bytes are looked at: a whole tar header.
pub(crate) const HEAD: usize = 512;

/// A compression read here, one stream (or a series of them) per file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Codec {
    Gzip,
    Xz,
    Zstd,
    Bzip2,
}

impl Codec {
    /// The file-name suffixes that mark this compression.
    fn suffixes(self) -> &'static [&'static str] {
        match self {
            Codec::Gzip => &[".gz"],
            Codec::Xz => &[".xz"],
            Codec::Zstd => &[".zst", ".zstd"],
            Codec::Bzip2 => &[".bz2"],
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Codec::Gzip => "gzip",
            Codec::Xz => "xz",
            Codec::Zstd => "zstd",
            Codec::Bzip2 => "bzip2",
        }
    }

    /// The name of the decompressed stream: `app.log.xz` is `app.log`,
    /// `b.tgz` is `b.tar`; a name without the suffix stays as it is.
    pub(crate) fn inner_name(self, name: &str) -> String {
        let lower = name.to_ascii_lowercase();
        let short = [(".tgz", Codec::Gzip), (".txz", Codec::Xz)];
        let short = short
            .iter()
            .chain(&[(".tzst", Codec::Zstd), (".tbz2", Codec::Bzip2)]);
        for (ext, codec) in short {
            if *codec == self && lower.ends_with(ext) {
                return format!("{}.tar", &name[..name.len() - ext.len()]);
            }
        }
        self.suffixes()
            .iter()
            .find(|ext| lower.ends_with(*ext))
            .map_or_else(
                || name.to_string(),
                |ext| name[..name.len() - ext.len()].into(),
            )
    }

    /// A reader that decompresses `r`. Concatenated streams (as `cat a.gz
    /// b.gz` makes, or pbzip2 and pzstd write) are read through.
    pub(crate) fn decoder<'a>(self, r: impl Read + 'a) -> Box<dyn Read + 'a> {
        match self {
            Codec::Gzip => Box::new(flate2::read::MultiGzDecoder::new(r)),
            Codec::Xz => Box::new(liblzma::read::XzDecoder::new_multi_decoder(r)),
            Codec::Zstd => match zstd::stream::read::Decoder::new(r) {
                Ok(d) => Box::new(d),
                Err(e) => Box::new(Failing(Some(e))),
            },
            Codec::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(r)),
        }
    }
}

/// A reader that fails once with the error it was made with.
struct Failing(Option<std::io::Error>);

impl Read for Failing {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        self.0.take().map_or(Ok(0), Err)
    }
}

/// What the first bytes of a stream say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Compressed(Codec),
    Tar,
    Zip,
    /// A container read by no code here: its name, for the reason.
    Unread(&'static str),
    Plain,
}

/// Judges `head`, the first [`HEAD`] bytes (fewer when the stream is
/// shorter).
pub(crate) fn shape(head: &[u8]) -> Shape {
    let starts = |magic: &[u8]| head.starts_with(magic);
    if starts(&[0x1f, 0x8b]) {
        Shape::Compressed(Codec::Gzip)
    } else if starts(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        Shape::Compressed(Codec::Xz)
    } else if starts(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Shape::Compressed(Codec::Zstd)
    } else if starts(b"BZh") && head.get(3).is_some_and(|d| (b'1'..=b'9').contains(d)) {
        Shape::Compressed(Codec::Bzip2)
    } else if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") {
        Shape::Zip
    } else if is_tar(head) {
        Shape::Tar
    } else if starts(&[0x04, 0x22, 0x4d, 0x18]) {
        Shape::Unread("lz4")
    } else if starts(&[b'7', b'z', 0xbc, 0xaf, 0x27, 0x1c]) {
        Shape::Unread("7z")
    } else if starts(b"Rar!\x1a\x07") {
        Shape::Unread("rar")
    } else {
        Shape::Plain
    }
}

/// A tar header: the `ustar` magic of POSIX and GNU tar, or (for the old
/// format without it) a whole first block whose checksum holds.
fn is_tar(head: &[u8]) -> bool {
    if head.len() < HEAD {
        return false;
    }
    if &head[257..262] == b"ustar" {
        return true;
    }
    head[0] != 0 && super::guard::header_checksum_holds(&head[..HEAD])
}

/// Reads up to [`HEAD`] bytes from `r`. An error ends the look early; it is
/// returned so the caller can say the stream ended there.
pub(crate) fn peek(r: &mut (impl Read + ?Sized)) -> (Vec<u8>, Option<std::io::Error>) {
    let mut head = vec![0u8; HEAD];
    let mut got = 0;
    while got < HEAD {
        match r.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                head.truncate(got);
                return (head, Some(e));
            }
        }
    }
    head.truncate(got);
    (head, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inner_names_lose_their_suffix() {
        assert_eq!(Codec::Xz.inner_name("logs/app.log.xz"), "logs/app.log");
        assert_eq!(Codec::Gzip.inner_name("b.tgz"), "b.tar");
        assert_eq!(Codec::Zstd.inner_name("b.TZST"), "b.tar");
        assert_eq!(Codec::Bzip2.inner_name("x.tar.bz2"), "x.tar");
        // gzip bytes under another name keep the name.
        assert_eq!(Codec::Gzip.inner_name("app.log.xz"), "app.log.xz");
        assert_eq!(Codec::Zstd.inner_name("a.zstd"), "a");
    }

    #[test]
    fn plain_text_is_plain() {
        assert_eq!(shape(b"BZh is a word"), Shape::Plain);
        assert_eq!(shape(b"2026-12-04 ERROR x\n"), Shape::Plain);
        assert_eq!(shape(&[0u8; 600]), Shape::Plain);
    }
}

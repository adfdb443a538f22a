//! Problems found in bank files, each with a position a person can go to.

use std::fmt;
use std::sync::Arc;

use super::model::Pos;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub pos: Pos,
    pub message: String,
}

impl Diagnostic {
    /// A problem with a whole file (unreadable, not UTF-8), reported at its start.
    pub fn in_file(file: impl Into<Arc<str>>, message: impl Into<String>) -> Self {
        Diagnostic {
            pos: Pos::start_of(file),
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pos, self.message)
    }
}

/// Maps byte offsets in a file to 1-based line and column, counting columns in
/// characters so Korean text points at the right place.
pub struct LineIndex<'a> {
    file: Arc<str>,
    text: &'a str,
    line_starts: Vec<usize>,
    /// (byte offset, characters before it) every [`CHECKPOINT`] bytes, so a
    /// column on a 20 MB single line costs a few kilobytes of counting, not
    /// the whole line: positions stay linear in the file size overall.
    checkpoints: Vec<(usize, usize)>,
}

const CHECKPOINT: usize = 4096;

impl<'a> LineIndex<'a> {
    pub fn new(file: &'a str, text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let mut checkpoints = vec![(0, 0)];
        let (mut at, mut chars) = (0, 0);
        while at + CHECKPOINT < text.len() {
            let mut next = at + CHECKPOINT;
            while !text.is_char_boundary(next) {
                next += 1;
            }
            chars += text[at..next].chars().count();
            checkpoints.push((next, chars));
            at = next;
        }
        Self {
            file: file.into(),
            text,
            line_starts,
            checkpoints,
        }
    }

    /// Characters before byte `offset` (a char boundary).
    fn chars_before(&self, offset: usize) -> usize {
        let k = self.checkpoints.partition_point(|&(b, _)| b <= offset).max(1) - 1;
        let (b, n) = self.checkpoints[k];
        n + self.text.get(b..offset).map(|s| s.chars().count()).unwrap_or(0)
    }

    pub fn pos(&self, offset: usize) -> Pos {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let column = self.chars_before(offset) - self.chars_before(start) + 1;
        Pos {
            file: Arc::clone(&self.file),
            line,
            column,
        }
    }

    pub fn file_pos(&self) -> Pos {
        Pos::start_of(Arc::clone(&self.file))
    }
}

/// Reads a file's bytes as text: a byte-order mark is dropped (it is not a
/// character anyone typed), invalid UTF-8 is reported where it is, and an
/// empty file is an error rather than a silent "0 questions".
pub fn decode(file: &str, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
            let bom = prefix.strip_prefix('\u{feff}');
            let pos = LineIndex::new(file, bom.unwrap_or(prefix)).pos(valid - if bom.is_some() { 3 } else { 0 });
            return Err(Diagnostic {
                pos,
                message: format!(
                    "not valid UTF-8 (byte 0x{:02x}); save the file as UTF-8",
                    bytes.get(valid).copied().unwrap_or(0)
                ),
            });
        }
    };
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    };
    if text.trim().is_empty() {
        return Err(Diagnostic::in_file(file, "the file is empty"));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "a = 1\n한글 = \"x\"\n";
        let idx = LineIndex::new("f.toml", text);
        let off = text.find('=').unwrap();
        assert_eq!(
            idx.pos(off),
            Pos {
                file: "f.toml".into(),
                line: 1,
                column: 3
            }
        );
        let off = text.rfind('=').unwrap();
        assert_eq!(
            idx.pos(off),
            Pos {
                file: "f.toml".into(),
                line: 2,
                column: 4
            }
        );
    }

    #[test]
    fn a_long_single_line_counts_characters_across_checkpoints() {
        let text = "가".repeat(10_000) + "x";
        let idx = LineIndex::new("f", &text);
        assert_eq!(idx.pos(text.len() - 1).column, 10_001);
        assert_eq!(idx.pos(3 * 5000).column, 5001);
    }

    #[test]
    fn decode_reports_bad_bytes_at_line_and_column_and_drops_a_bom() {
        let mut bytes = "\u{feff}a\r\n한b".as_bytes().to_vec();
        bytes.push(0xff);
        let d = decode("f", bytes).unwrap_err();
        assert_eq!((d.pos.line, d.pos.column), (2, 3), "{d}");
        assert_eq!(decode("f", "\u{feff}x".into()).unwrap(), "x");
        assert!(decode("f", " \n".into()).is_err());
    }
}

//! Problems found in bank files, each with a position a person can go to.

use std::fmt;

use super::model::Pos;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub pos: Pos,
    pub message: String,
}

impl Diagnostic {
    /// A problem with a whole file (unreadable, not UTF-8), reported at its start.
    pub fn in_file(file: impl Into<String>, message: impl Into<String>) -> Self {
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
    file: &'a str,
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(file: &'a str, text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self {
            file,
            text,
            line_starts,
        }
    }

    pub fn pos(&self, offset: usize) -> Pos {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let column = self.text.get(start..offset).map(|s| s.chars().count()).unwrap_or(0) + 1;
        Pos {
            file: self.file.to_owned(),
            line,
            column,
        }
    }

    pub fn file_pos(&self) -> Pos {
        Pos::start_of(self.file)
    }
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
}

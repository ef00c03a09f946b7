//! A clone of Go's `text/tabwriter` (flags 0), which lays out every table kubectl prints.
//!
//! Text is a sequence of lines; within a line, cells are terminated by `\t`. The text after
//! the last tab of a line is not part of any column. Consecutive lines that all have a
//! terminated cell in column *k* form a column block; every cell of the block is padded to
//! `max(minwidth, widest cell + padding)`. Widths count characters, not bytes.

/// A Go `tabwriter.Writer` with flags 0. Write text with [`TabWriter::write_str`]; a
/// [`TabWriter::flush`] lays out everything written so far, and later text starts new
/// column blocks (as `kubectl describe` relies on before its Events table).
pub struct TabWriter {
    minwidth: usize,
    tabwidth: usize,
    padding: usize,
    padchar: char,
    pending: String,
    out: String,
}

/// One tab-terminated cell (or the trailing text of a line).
struct Cell<'a> {
    text: &'a str,
    width: usize,
}

impl TabWriter {
    /// `tabwriter.NewWriter(out, minwidth, tabwidth, padding, padchar, 0)`. `tabwidth` only
    /// matters when `padchar` is `\t`.
    pub fn new(minwidth: usize, tabwidth: usize, padding: usize, padchar: char) -> TabWriter {
        TabWriter { minwidth, tabwidth, padding, padchar, pending: String::new(), out: String::new() }
    }

    /// Buffers `text` for layout.
    pub fn write_str(&mut self, text: &str) {
        self.pending.push_str(text);
    }

    /// Lays out the buffered text and appends it to the output.
    pub fn flush(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        if pending.is_empty() {
            return;
        }
        let lines: Vec<Vec<Cell>> = pending.split('\n').map(split_cells).collect();
        let mut widths = Vec::new();
        self.format(&lines, &mut widths, 0, lines.len());
    }

    /// Flushes and returns everything written.
    pub fn finish(mut self) -> String {
        self.flush();
        self.out
    }

    /// Go's `format`: finds the column blocks of column `widths.len()` within
    /// `line0..line1`, recursing into the next column for each block.
    fn format(&mut self, lines: &[Vec<Cell>], widths: &mut Vec<usize>, line0: usize, line1: usize) {
        let column = widths.len();
        let has_column = |line: &Vec<Cell>| column + 1 < line.len();
        let mut start = line0;
        let mut this = line0;
        while this < line1 {
            if !has_column(&lines[this]) {
                this += 1;
                continue;
            }
            self.write_lines(lines, widths, start, this);
            start = this;
            let mut width = self.minwidth;
            while this < line1 && has_column(&lines[this]) {
                width = width.max(lines[this][column].width + self.padding);
                this += 1;
            }
            widths.push(width);
            self.format(lines, widths, start, this);
            widths.pop();
            start = this;
        }
        self.write_lines(lines, widths, start, line1);
    }

    /// Writes lines `line0..line1`, padding the cells that belong to a known column.
    fn write_lines(&mut self, lines: &[Vec<Cell>], widths: &[usize], line0: usize, line1: usize) {
        for (i, line) in lines.iter().enumerate().take(line1).skip(line0) {
            for (j, cell) in line.iter().enumerate() {
                self.out.push_str(cell.text);
                if let Some(&cell_width) = widths.get(j) {
                    self.pad(cell.width, cell_width);
                }
            }
            if i + 1 < lines.len() {
                self.out.push('\n');
            }
        }
    }

    /// Go's `writePadding`.
    fn pad(&mut self, text_width: usize, cell_width: usize) {
        if self.padchar == '\t' {
            if self.tabwidth == 0 {
                return;
            }
            let cell_width = cell_width.div_ceil(self.tabwidth) * self.tabwidth;
            let tabs = cell_width.saturating_sub(text_width).div_ceil(self.tabwidth);
            self.out.extend(std::iter::repeat_n('\t', tabs));
            return;
        }
        let n = cell_width.saturating_sub(text_width);
        self.out.extend(std::iter::repeat_n(self.padchar, n));
    }
}

fn split_cells(line: &str) -> Vec<Cell<'_>> {
    line.split('\t').map(|text| Cell { text, width: text.chars().count() }).collect()
}

/// Joins rows into tab-separated lines, one per row, each ending in a newline.
fn tabbed_lines(rows: &[Vec<String>]) -> String {
    rows.iter().map(|row| row.join("\t") + "\n").collect()
}

/// The table kubectl's human-readable printer writes: cli-runtime
/// `printers.GetNewTabWriter` (minwidth 6, tabwidth 4, padding 3, space padding).
pub fn kubectl_table(rows: &[Vec<String>]) -> String {
    let mut w = TabWriter::new(6, 4, 3, ' ');
    w.write_str(&tabbed_lines(rows));
    w.finish()
}

/// A table laid out like `kubectl describe` (minwidth 0, tabwidth 8, padding 2), for
/// rows that are already indented as they should print.
pub fn describe_table(rows: &[Vec<String>]) -> String {
    let mut w = TabWriter::new(0, 8, 2, ' ');
    w.write_str(&tabbed_lines(rows));
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(table: &[&[&str]]) -> Vec<Vec<String>> {
        table.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
    }

    #[test]
    fn kubectl_get_pods_layout() {
        let out = kubectl_table(&rows(&[
            &["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
            &["web", "1/1", "Running", "0", "10s"],
        ]));
        assert_eq!(
            out,
            "NAME   READY   STATUS    RESTARTS   AGE\n\
             web    1/1     Running   0          10s\n"
        );
    }

    #[test]
    fn minwidth_applies_to_short_columns() {
        let out = kubectl_table(&rows(&[&["A", "B", "C"], &["x", "y", "z"]]));
        assert_eq!(out, "A     B     C\nx     y     z\n");
    }

    #[test]
    fn last_cell_is_not_padded_and_widths_count_characters() {
        let out = describe_table(&rows(&[&["é", "x"], &["ab", "y"]]));
        assert_eq!(out, "é   x\nab  y\n");
    }

    #[test]
    fn lines_without_tabs_break_column_blocks() {
        let mut w = TabWriter::new(0, 8, 2, ' ');
        w.write_str("Name:\tweb\nIPs:\n  IP:\t10.0.0.1\nVery long key:\tv\n");
        assert_eq!(w.finish(), "Name:  web\nIPs:\n  IP:           10.0.0.1\nVery long key:  v\n");
    }

    #[test]
    fn ragged_rows_form_nested_blocks() {
        let mut w = TabWriter::new(0, 8, 1, '.');
        w.write_str("a\tbbb\tc\naa\tb\ncc\n");
        assert_eq!(w.finish(), "a..bbb.c\naa.b\ncc\n");
    }

    #[test]
    fn empty_trailing_cells_keep_their_padding() {
        let mut w = TabWriter::new(0, 8, 2, ' ');
        w.write_str("IP:\t\nStatus:\tRunning\n");
        assert_eq!(w.finish(), "IP:      \nStatus:  Running\n");
    }

    #[test]
    fn flush_starts_new_blocks() {
        let mut w = TabWriter::new(0, 8, 2, ' ');
        w.write_str("Long title:\tx\n");
        w.flush();
        w.write_str("A:\ty\n");
        assert_eq!(w.finish(), "Long title:  x\nA:  y\n");
    }

    #[test]
    fn tab_padding_rounds_to_tab_stops() {
        let mut w = TabWriter::new(0, 8, 1, '\t');
        w.write_str("a\tb\nabcdefghi\tc\n");
        assert_eq!(w.finish(), "a\t\tb\nabcdefghi\tc\n");
    }

    #[test]
    fn text_without_trailing_newline_is_kept() {
        let mut w = TabWriter::new(0, 8, 2, ' ');
        w.write_str("a\tb");
        assert_eq!(w.finish(), "a  b");
    }
}

//! CSV for the report exports (RFC 4180): every cell quoted when it holds a comma, quote or line
//! break, quotes doubled; and a cell a spreadsheet would read as a formula (starting with `=`,
//! `+`, `-`, `@`, a tab or a carriage return) gets a leading apostrophe so it stays text.

use super::tables::TextTable;

pub fn cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

pub fn render(t: &TextTable) -> String {
    let mut out = String::new();
    let line = |cells: &mut dyn Iterator<Item = &str>, out: &mut String| {
        let row: Vec<String> = cells.map(cell).collect();
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    };
    line(&mut t.columns.iter().copied(), &mut out);
    for r in &t.rows {
        line(&mut r.iter().map(String::as_str), &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_neutralised() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("+1 555"), "'+1 555");
        assert_eq!(cell("-2"), "'-2");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("1.5"), "1.5");
    }

    #[test]
    fn a_table_is_a_header_then_rows() {
        let t = TextTable {
            slug: "x",
            title: "X",
            columns: vec!["A", "B"],
            rows: vec![vec!["1".into(), "=2".into()]],
        };
        assert_eq!(render(&t), "A,B\r\n1,'=2\r\n");
    }
}

//! Where a problem is in the file: the path to a value (keys and array indexes) and the line
//! and column of its key.

/// One step of the path to a value in the file: a key or an array index.
#[derive(Debug, Clone)]
pub(super) enum Seg {
    Key(String),
    Index(usize),
}

/// 1-based line and column of byte `offset`.
pub(super) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The line and column of the key at `path` (or of the nearest table above it).
pub(super) fn locate(text: &str, path: &[Seg]) -> (usize, usize) {
    use toml::de::{DeTable, DeValue};
    let Ok(root) = DeTable::parse(text) else {
        return (1, 1);
    };
    let mut best = 0usize;
    let mut table: Option<&DeTable> = Some(root.get_ref());
    let mut value: Option<&toml::Spanned<DeValue>> = None;
    for seg in path {
        match seg {
            Seg::Key(k) => {
                let Some(t) = table else { break };
                let Some((key, v)) = t
                    .iter()
                    .find(|(key, _)| key.get_ref().as_ref() == k.as_str())
                else {
                    break;
                };
                best = key.span().start;
                value = Some(v);
            }
            Seg::Index(i) => {
                let Some(DeValue::Array(items)) = value.map(|v| v.get_ref()) else {
                    break;
                };
                let Some(item) = items.get(*i) else { break };
                best = item.span().start;
                value = Some(item);
            }
        }
        table = match value.map(|v| v.get_ref()) {
            Some(DeValue::Table(t)) => Some(t),
            _ => None,
        };
    }
    line_col(text, best)
}

pub(super) struct P(pub(super) Vec<Seg>);

impl P {
    pub(super) fn root(k: &str) -> Self {
        Self(vec![Seg::Key(k.to_owned())])
    }
    pub(super) fn at(&self, i: usize) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Index(i));
        Self(v)
    }
    pub(super) fn key(&self, k: &str) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Key(k.to_owned()));
        Self(v)
    }
}

pub(super) type Problems = Vec<(Vec<Seg>, String)>;

pub(super) fn err(out: &mut Problems, p: P, message: impl Into<String>) {
    out.push((p.0, message.into()));
}

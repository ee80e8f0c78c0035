//! Ranked full-text search over articles: BM25 (Robertson and Zaragoza, "The Probabilistic
//! Relevance Framework: BM25 and Beyond", 2009) over one weighted field per article, the BM25F
//! way: a term in the title counts `TITLE_WEIGHT` times, in a keyword `KEYWORD_WEIGHT` times, in
//! the text once, and the weighted counts and lengths enter the usual saturation and length
//! normalisation. A query of several words adds up each word's part, so an article matching
//! more of them ranks higher. The index is built for each search: knowledge bases are small
//! (hundreds of articles), and a fresh index is never stale.

use super::tokens::terms;
use std::collections::{HashMap, HashSet};

/// A title word says most about what an article is for.
pub const TITLE_WEIGHT: f64 = 3.0;
/// Keywords are the words an editor chose for the article.
pub const KEYWORD_WEIGHT: f64 = 2.0;
/// BM25's term-frequency saturation.
const K1: f64 = 1.2;
/// BM25's length normalisation.
const B: f64 = 0.75;

/// The searchable text of one article.
#[derive(Debug, Clone)]
pub struct Doc<'a, K> {
    pub key: K,
    pub title: &'a str,
    pub keywords: &'a [&'a str],
    pub body: &'a str,
}

/// One article's weighted term counts and weighted length.
struct Entry<K> {
    key: K,
    counts: HashMap<String, f64>,
    length: f64,
}

/// An inverted view of a set of articles, ready to score queries.
pub struct Index<K> {
    entries: Vec<Entry<K>>,
    /// How many articles hold each term.
    frequency: HashMap<String, usize>,
    average_length: f64,
}

impl<K: Clone> Index<K> {
    pub fn build<'a>(docs: impl IntoIterator<Item = Doc<'a, K>>) -> Self {
        let mut entries = Vec::new();
        let mut frequency: HashMap<String, usize> = HashMap::new();
        for d in docs {
            let mut counts: HashMap<String, f64> = HashMap::new();
            let fields = [(d.title, TITLE_WEIGHT), (d.body, 1.0)]
                .into_iter()
                .chain(d.keywords.iter().map(|k| (*k, KEYWORD_WEIGHT)));
            let mut length = 0.0;
            for (text, weight) in fields {
                for t in terms(text) {
                    *counts.entry(t).or_default() += weight;
                    length += weight;
                }
            }
            for t in counts.keys() {
                *frequency.entry(t.clone()).or_default() += 1;
            }
            entries.push(Entry {
                key: d.key,
                counts,
                length,
            });
        }
        let total: f64 = entries.iter().map(|e| e.length).sum();
        let average_length = if entries.is_empty() {
            0.0
        } else {
            total / entries.len() as f64
        };
        Self {
            entries,
            frequency,
            average_length,
        }
    }

    /// The articles matching `query`, best first, with their scores; articles matching no term
    /// are left out. Equal scores keep the order the articles were given in.
    pub fn search(&self, query: &str) -> Vec<(K, f64)> {
        let mut seen = HashSet::new();
        let wanted: Vec<String> = terms(query)
            .into_iter()
            .filter(|t| seen.insert(t.clone()))
            .collect();
        if wanted.is_empty() || self.entries.is_empty() {
            return Vec::new();
        }
        let n = self.entries.len() as f64;
        let idf: Vec<(String, f64)> = wanted
            .into_iter()
            .filter_map(|t| {
                let df = *self.frequency.get(&t)? as f64;
                Some((t, (1.0 + (n - df + 0.5) / (df + 0.5)).ln()))
            })
            .collect();
        let mut scored: Vec<(usize, f64)> = self
            .entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| {
                let norm = K1 * (1.0 - B + B * e.length / self.average_length.max(1.0));
                let score: f64 = idf
                    .iter()
                    .filter_map(|(t, idf)| {
                        let tf = e.counts.get(t)?;
                        Some(idf * tf * (K1 + 1.0) / (tf + norm))
                    })
                    .sum();
                (score > 0.0).then_some((i, score))
            })
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored
            .into_iter()
            .map(|(i, s)| (self.entries[i].key.clone(), s))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct A {
        key: &'static str,
        title: &'static str,
        keywords: Vec<&'static str>,
        body: &'static str,
    }

    fn corpus() -> Vec<A> {
        vec![
            A {
                key: "returns",
                title: "Returning an order",
                keywords: vec!["refund", "return"],
                body: "Customers can send an order back within 30 days. Print the label from \
                       the confirmation e-mail and drop the parcel at any post office.",
            },
            A {
                key: "shipping",
                title: "Shipping times",
                keywords: vec!["delivery", "parcel"],
                body: "Orders ship within two working days. A parcel abroad takes a week. \
                       Tracking links are sent by SMS.",
            },
            A {
                key: "payment",
                title: "Payment methods",
                keywords: vec!["card", "invoice"],
                body: "We take cards, bank transfers and invoices. A refund goes back to the \
                       card that paid.",
            },
            A {
                key: "devolucion",
                title: "Devolución de un pedido",
                keywords: vec!["reembolso"],
                body: "El cliente puede devolver el pedido en 30 días.",
            },
        ]
    }

    fn index(docs: &[A]) -> Index<&'static str> {
        Index::build(docs.iter().map(|a| Doc {
            key: a.key,
            title: a.title,
            keywords: &a.keywords,
            body: a.body,
        }))
    }

    fn rank(query: &str) -> Vec<&'static str> {
        let docs = corpus();
        index(&docs)
            .search(query)
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    }

    #[test]
    fn a_keyword_match_ranks_above_a_match_in_the_text() {
        // "refund" is a keyword of returns and a word in the text of payment.
        assert_eq!(rank("refund"), ["returns", "payment"]);
    }

    #[test]
    fn a_title_match_ranks_above_a_match_in_the_text() {
        // "order" is in the title of returns; "orders" is in shipping's text.
        assert_eq!(rank("order"), ["returns", "shipping"]);
        assert_eq!(rank("parcel"), ["shipping", "returns"]);
    }

    #[test]
    fn more_query_words_matched_rank_higher() {
        let r = rank("refund to my card");
        assert_eq!(r[0], "payment", "refund and card: {r:?}");
        assert_eq!(r[1], "returns");
        assert_eq!(rank("tracking sms parcel"), ["shipping", "returns"]);
    }

    #[test]
    fn accents_and_case_are_ignored() {
        assert_eq!(rank("DEVOLUCION"), ["devolucion"]);
        assert_eq!(rank("devolución"), ["devolucion"]);
        assert_eq!(rank("Reembolsó"), ["devolucion"]);
        assert_eq!(rank("reembolso"), ["devolucion"]);
    }

    #[test]
    fn nothing_matches_an_unknown_or_empty_query() {
        assert!(rank("").is_empty());
        assert!(rank("the and of").is_empty(), "only common words");
        assert!(rank("xylophone").is_empty());
    }

    #[test]
    fn a_rare_word_counts_more_than_a_common_one() {
        // "30" is in two articles, "label" in one: the article with "label" wins.
        assert_eq!(rank("30 label")[0], "returns");
        assert_eq!(rank("30 pedido")[0], "devolucion");
    }

    #[test]
    fn scores_fall_in_order_and_an_empty_index_finds_nothing() {
        let docs = corpus();
        let index = index(&docs);
        let scores: Vec<f64> = index
            .search("parcel order refund")
            .iter()
            .map(|s| s.1)
            .collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
        let empty: Index<u8> = Index::build(Vec::new());
        assert!(empty.search("parcel").is_empty());
    }
}

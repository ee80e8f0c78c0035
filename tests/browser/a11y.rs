//! axe-core (from npm: `tests/browser/axe/`, installed by `.ci/run` with `npm ci`) run inside the
//! page: the WCAG 2 A and AA rules, contrast included. Outside CI, without the package, it says so
//! and checks nothing; in CI a missing package fails.

use crate::harness::Tour;
use std::path::Path;

const AXE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/browser/axe/node_modules/axe-core/axe.min.js"
);

/// The page's axe violations: "rule: help (where)" for each.
pub async fn violations(tour: &Tour) -> Vec<String> {
    let Ok(source) = std::fs::read_to_string(Path::new(AXE)) else {
        assert!(
            std::env::var("CI").is_err(),
            "axe-core is missing in CI: .ci/run must run npm ci in tests/browser/axe"
        );
        eprintln!("skipped the axe check: run `npm ci --prefix tests/browser/axe`");
        return Vec::new();
    };
    tour.client
        .execute(&format!("{source}\nreturn true;"), vec![])
        .await
        .expect("axe-core loads");
    let found = tour
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
               .then(r => done(r.violations.map(v => v.id + ': ' + v.help + ' (' +
                 v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ') + ')')))
               .catch(e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .expect("axe-core runs");
    serde_json::from_value(found).unwrap_or_else(|e| vec![format!("unreadable axe result: {e}")])
}

/// Fails with the list when the page has any violation.
pub async fn assert_accessible(tour: &Tour, page: &str) {
    let found = violations(tour).await;
    assert!(found.is_empty(), "axe on {page}:\n{}", found.join("\n"));
}

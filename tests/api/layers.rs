//! The layers of DESIGN.md, checked on the source: no import cycles between top-level modules,
//! and web handlers that go through the application services only (no actors, no live
//! publishing, no store writes).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The file's code without comments and without its unit-test module.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => &text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn top_level_modules() -> BTreeMap<String, Vec<PathBuf>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(src()).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "lib" || name == "main" {
            continue;
        }
        let mut files = Vec::new();
        if p.is_dir() {
            rust_files(&p, &mut files);
        } else {
            files.push(p.clone());
        }
        out.entry(name).or_insert_with(Vec::new).extend(files);
    }
    out
}

#[test]
fn top_level_modules_have_no_import_cycles() {
    let modules = top_level_modules();
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (m, files) in &modules {
        for f in files {
            let code = code(f);
            for part in code.split("crate::").skip(1) {
                let target: String = part
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if names.contains(&target) && &target != m {
                    uses.entry(m.clone()).or_default().insert(target);
                }
            }
        }
    }
    assert!(
        uses.get("app").is_some_and(|t| t.contains("store")),
        "the graph was read: {uses:#?}"
    );
    // Depth-first search for a path back to the start.
    fn reaches(
        uses: &BTreeMap<String, BTreeSet<String>>,
        from: &str,
        to: &str,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in uses.get(from).into_iter().flatten() {
            if next == to || (seen.insert(next.clone()) && reaches(uses, next, to, seen)) {
                return true;
            }
        }
        false
    }
    let mut cycles = Vec::new();
    for (m, targets) in &uses {
        for t in targets {
            if reaches(&uses, t, m, &mut BTreeSet::new()) {
                cycles.push(format!("{m} -> {t}"));
            }
        }
    }
    assert!(
        cycles.is_empty(),
        "import cycles: {cycles:?}\ngraph: {uses:#?}"
    );
}

#[test]
fn web_handlers_never_touch_actors_or_publish_live_events() {
    let mut files = Vec::new();
    rust_files(&src().join("web"), &mut files);
    let mut found = Vec::new();
    for f in &files {
        let code = code(f);
        for forbidden in ["crate::actors", ".publish(", "live_hub("] {
            if code.contains(forbidden) {
                found.push(format!("{}: {forbidden}", f.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "web reaches past the services: {found:#?}"
    );
}

#[test]
fn web_handlers_never_write_the_store_themselves() {
    let mut files = Vec::new();
    rust_files(&src().join("web"), &mut files);
    let writes = [
        "create_",
        "add_",
        "update_",
        "delete_",
        "set_",
        "save_",
        "copy_",
        "reset_",
        "end_session",
        "expire_",
        "assign(",
        "forget_",
        "close_",
        "transfer(",
        "flag(",
        "release_",
        "ingest(",
        "enqueue(",
        "apply_status(",
        "flip_",
        "touch_",
    ];
    let mut found = Vec::new();
    for f in &files {
        let code: String = code(f).split_whitespace().collect();
        for (i, _) in code.match_indices("store().") {
            let call = &code[i + "store().".len()..];
            if let Some(w) = writes.iter().find(|w| call.starts_with(**w)) {
                found.push(format!("{}: store().{w}", f.display()));
            }
        }
    }
    assert!(found.is_empty(), "store writes in web handlers: {found:#?}");
}

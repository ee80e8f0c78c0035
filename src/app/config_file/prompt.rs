//! The auth tokens of the accounts an import adds, asked one line per account ("Auth token for
//! <name>:"): from a terminal, or from standard input with `--secrets-from-stdin`.

use std::io::{self, BufRead, Write};

/// Asks for each account's token and answers them as the import reads them (`name = token`
/// lines). An empty line, or the end of the input, leaves that account disabled until its
/// token is set in the admin console.
pub fn ask_tokens(
    names: &[String],
    input: &mut impl BufRead,
    prompt: &mut impl Write,
) -> io::Result<String> {
    let mut out = String::new();
    for name in names {
        write!(prompt, "Auth token for {name}: ")?;
        prompt.flush()?;
        let mut line = String::new();
        input.read_line(&mut line)?;
        let token = line.trim();
        if token.is_empty() {
            writeln!(
                prompt,
                "(none: {name} stays disabled until its auth token is set)"
            )?;
            continue;
        }
        out.push_str(&format!("{name} = {token}\n"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_account_and_an_empty_line_skips_one() {
        let names = vec![
            "Backup SMS".to_owned(),
            "Spare".to_owned(),
            "Last".to_owned(),
        ];
        let mut prompts = Vec::new();
        let secrets = ask_tokens(&names, &mut "tok-1\n\n".as_bytes(), &mut prompts).unwrap();
        assert_eq!(secrets, "Backup SMS = tok-1\n");
        let prompts = String::from_utf8(prompts).unwrap();
        assert!(
            prompts.starts_with("Auth token for Backup SMS: "),
            "{prompts}"
        );
        assert!(prompts.contains("Auth token for Spare: "), "{prompts}");
        assert!(prompts.contains("Last stays disabled"), "{prompts}");
    }
}

//! The auth tokens of the accounts an import adds, asked one line per account ("Auth token for
//! <name>:"): from a terminal (not echoed), or from standard input with `--secrets-from-stdin`.

use std::io::{self, BufRead, Write};

/// Asks for each account's token and answers them as the import reads them (`name = token`
/// lines). `ask` shows its prompt and reads one answer. An empty answer, or the end of the input,
/// leaves that account disabled until its token is set in the admin console.
pub fn ask_tokens(
    names: &[String],
    mut ask: impl FnMut(&str) -> io::Result<String>,
    notes: &mut impl Write,
) -> io::Result<String> {
    let mut out = String::new();
    for name in names {
        let answer = ask(&format!("Auth token for {name}: "))?;
        let token = answer.trim();
        if token.is_empty() {
            writeln!(
                notes,
                "(none: {name} stays disabled until its auth token is set)"
            )?;
            continue;
        }
        out.push_str(&format!("{name} = {token}\n"));
    }
    Ok(out)
}

/// Answers from a terminal: the token is not echoed as it is typed.
pub fn from_terminal(prompt: &str) -> io::Result<String> {
    rpassword::prompt_password(prompt)
}

/// Answers read line by line from `input` (`--secrets-from-stdin`), each prompt written to
/// `prompts`.
pub fn from_lines<'a>(
    input: &'a mut impl BufRead,
    prompts: &'a mut impl Write,
) -> impl FnMut(&str) -> io::Result<String> + 'a {
    move |prompt| {
        write!(prompts, "{prompt}")?;
        prompts.flush()?;
        let mut line = String::new();
        input.read_line(&mut line)?;
        Ok(line)
    }
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
        let mut notes = Vec::new();
        let mut input = "tok-1\n\n".as_bytes();
        let secrets = ask_tokens(&names, from_lines(&mut input, &mut prompts), &mut notes).unwrap();
        assert_eq!(secrets, "Backup SMS = tok-1\n");
        let prompts = String::from_utf8(prompts).unwrap();
        let notes = String::from_utf8(notes).unwrap();
        assert!(
            prompts.starts_with("Auth token for Backup SMS: "),
            "{prompts}"
        );
        assert!(prompts.contains("Auth token for Spare: "), "{prompts}");
        assert!(prompts.contains("Auth token for Last: "), "{prompts}");
        assert!(notes.contains("Last stays disabled"), "{notes}");
    }
}

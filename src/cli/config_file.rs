//! `omnidesk config export` and `config import`: through the running server's control socket,
//! else directly on the store.

use super::ConfigCmd;
use super::open_store;
use crate::config::Settings;
use anyhow::{Context, bail};
use std::io::Read;

/// `config export` and `config import`: through the running server's control socket, else
/// directly on the store.
pub(super) fn run(cmd: ConfigCmd, settings: &Settings) -> anyhow::Result<()> {
    use crate::control::Request;
    use std::io::IsTerminal;
    let (request, output) = match cmd {
        ConfigCmd::Export { output } => (Request::ExportConfig, output),
        ConfigCmd::Import {
            file,
            dry_run,
            secrets_from_stdin,
        } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let stdin = std::io::stdin();
            let secrets = if dry_run {
                String::new()
            } else if secrets_from_stdin || stdin.is_terminal() {
                let listed = call(settings, Request::NewAccounts { text: text.clone() })?;
                let names: Vec<String> = listed.lines().map(str::to_owned).collect();
                use crate::app::config_file::prompt::{ask_tokens, from_lines, from_terminal};
                let mut notes = std::io::stderr();
                if secrets_from_stdin {
                    let (mut input, mut prompts) = (stdin.lock(), std::io::stderr());
                    ask_tokens(&names, from_lines(&mut input, &mut prompts), &mut notes)?
                } else {
                    ask_tokens(&names, from_terminal, &mut notes)?
                }
            } else {
                let mut secrets = String::new();
                stdin.lock().read_to_string(&mut secrets)?;
                secrets
            };
            let request = Request::ImportConfig {
                text,
                dry_run,
                secrets,
            };
            (request, None)
        }
    };
    let out = call(settings, request)?;
    match output {
        Some(path) => {
            std::fs::write(&path, &out).with_context(|| format!("writing {}", path.display()))?
        }
        None => print!("{out}"),
    }
    Ok(())
}

/// One config request: through the running server's control socket, else directly on the
/// store. Answers what the command prints.
fn call(settings: &Settings, request: crate::control::Request) -> anyhow::Result<String> {
    use crate::control::{Request, Response};
    let response = match crate::control::call(&settings.data_dir, &request) {
        Ok(response) => response,
        Err(_) => {
            let (store, rt) = open_store(settings, "no server answered on the control socket")?;
            let now = crate::clock::Clock::system().now();
            let response = rt.block_on(async {
                use crate::app::config_file::{export, import};
                match request {
                    Request::ExportConfig => Response::of(match export::export(&store).await {
                        Ok(file) => export::to_toml(&file).map_err(anyhow::Error::from),
                        Err(e) => Err(e.into()),
                    }),
                    Request::ImportConfig {
                        text,
                        dry_run,
                        secrets,
                    } => Response::of_import(
                        import::import(&store, &text, dry_run, &secrets, None, now).await,
                    ),
                    Request::NewAccounts { text } => Response::of(
                        import::new_accounts(&store, &text)
                            .await
                            .map(|n| n.join("\n")),
                    ),
                }
            });
            drop(rt);
            store.close();
            response
        }
    };
    if !response.ok {
        bail!("{}", response.output.trim_end());
    }
    Ok(response.output)
}

//! The `omnidesk` binary: serve (no subcommand) or run an operator subcommand.

use clap::Parser;
use omnidesk::cli::Cli;
use omnidesk::clock::Clock;
use omnidesk::startup::Application;

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    omnidesk::telemetry::init();
    cli.settings.validate().map_err(anyhow::Error::msg)?;
    if let Some(command) = cli.command {
        return omnidesk::cli::run(command, &cli.settings);
    }
    let settings = cli.settings;
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings.clone(), Clock::system()).await?;
        tracing::info!(
            listen = %settings.listen,
            port = app.port(),
            data_dir = %settings.data_dir.display(),
            public_url = %settings.public_url(),
            "omnidesk is serving"
        );
        app.run_until_stopped().await?;
        Ok(())
    })
}

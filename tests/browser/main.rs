//! Browser tests: headless Chromium driven over WebDriver (chromedriver) against the real app on
//! port 0. Each test saves a screenshot of every page it visits under
//! `target/browser-screenshots/<test>/`. `.ci/run` installs Debian's chromium and
//! chromium-driver; elsewhere, without chromedriver, the tests say so and skip (in CI they fail).

mod a11y;
mod acs_account;
mod admin_setup;
mod agent_flow;
mod bot_hold;
mod config_page;
mod consult;
mod desk;
mod harness;
mod knowledge_panel;
mod reports;
mod routing_rules;
mod survey;
mod workspace;

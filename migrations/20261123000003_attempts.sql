-- Exam and practice attempts. An attempt pins the exact question versions it
-- was built from, and the option order shown, so neither later bank edits nor
-- a reload change what the student saw.

-- Extra time an instructor grants a student (e.g. +30 min for a non-native language).
create table accommodations (
    user_id       uuid primary key references users (id) on delete cascade,
    extra_minutes int  not null default 0 check (extra_minutes >= 0),
    multiplier    numeric(4, 2) not null default 1.00 check (multiplier >= 1),
    set_by        uuid references users (id) on delete set null,
    updated_at    timestamptz not null default now()
);

create table attempts (
    id            uuid primary key,
    user_id       uuid not null references users (id) on delete cascade,
    exam          text not null references blueprints (code),
    mode          text not null check (mode in ('exam', 'practice')),
    feedback      text not null check (feedback in ('end', 'each')),
    -- null for untimed practice
    deadline      timestamptz,
    started_at    timestamptz not null default now(),
    submitted_at  timestamptz,
    finish_reason text check (finish_reason in ('submitted', 'expired')),
    raw_score     int,
    scaled_score  int,
    passed        boolean,
    question_count int not null check (question_count > 0)
);
create index attempts_user_idx on attempts (user_id, started_at desc);
create index attempts_open_idx on attempts (deadline) where submitted_at is null;

create table attempt_items (
    attempt_id   uuid not null references attempts (id) on delete cascade,
    position     int  not null check (position > 0),
    question_id  text not null,
    version      int  not null,
    domain       text not null,
    -- option keys in the order shown, e.g. 'cadb'
    option_order text not null,
    -- chosen keys, sorted, e.g. 'ac'; null until answered
    selected     text,
    flagged      boolean not null default false,
    -- feedback-after-each-question practice locks an answer once shown
    locked       boolean not null default false,
    correct      boolean,
    answered_at  timestamptz,
    primary key (attempt_id, position),
    foreign key (question_id, version) references question_versions (question_id, version)
);
create index attempt_items_question_idx on attempt_items (question_id);

-- The current version's option keys (e.g. 'abcd'), kept beside the question so
-- starting an exam needs no JSON work per candidate.
alter table questions add column option_keys text not null default '';

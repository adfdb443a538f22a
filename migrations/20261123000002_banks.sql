-- Question banks: blueprints, topics, questions with immutable versions.

create table blueprints (
    code          text primary key,
    name_ko       text not null,
    name_en       text not null,
    questions     int  not null check (questions > 0),
    minutes       int  not null check (minutes > 0),
    passing_score int  not null,
    score_min     int  not null,
    score_max     int  not null,
    updated_at    timestamptz not null default now()
);

create table blueprint_domains (
    exam     text not null references blueprints (code) on delete cascade,
    code     text not null,
    weight   int  not null check (weight between 0 and 100),
    name_ko  text not null,
    name_en  text not null,
    position int  not null,
    primary key (exam, code)
);

create table topics (
    slug       text primary key,
    name_ko    text not null,
    name_en    text not null,
    summary_ko text not null,
    summary_en text not null,
    updated_at timestamptz not null default now()
);

create table topic_domains (
    topic  text not null references topics (slug) on delete cascade,
    exam   text not null,
    domain text not null,
    primary key (topic, exam, domain)
);

-- One row per question id; what it says lives in its versions. The columns
-- here mirror the current version for filtering.
create table questions (
    id              text primary key,
    topic           text not null references topics (slug),
    current_version int  not null,
    kind            text not null check (kind in ('single', 'multiple', 'truefalse')),
    difficulty      text not null check (difficulty in ('easy', 'medium', 'hard')),
    language        text not null,
    status          text not null check (status in ('published', 'draft')),
    -- lowercased stem and option texts, for the instructor's free-text filter
    search_text     text not null,
    retired_at      timestamptz,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);
create index questions_topic_idx on questions (topic);

-- Versions are never updated or deleted: past attempts point at them.
create table question_versions (
    question_id text not null references questions (id),
    version     int  not null check (version > 0),
    content     jsonb not null,
    created_at  timestamptz not null default now(),
    created_by  uuid references users (id) on delete set null,
    primary key (question_id, version)
);

create table question_exams (
    question_id text not null references questions (id) on delete cascade,
    exam        text not null,
    domain      text not null,
    primary key (question_id, exam)
);
create index question_exams_exam_idx on question_exams (exam, domain);

-- Uploads waiting for the instructor to confirm the previewed import. Kept in
-- the database so any app instance can confirm what another one previewed.
create table bank_uploads (
    id         uuid primary key,
    user_id    uuid not null references users (id) on delete cascade,
    files      jsonb not null,
    -- topic/exam/domain/language for formats without those fields
    defaults   jsonb,
    created_at timestamptz not null default now()
);

-- Safe uploads: an upload says whether it only adds and updates, or replaces
-- its topics (retiring what it lacks), and whether its new questions are pilots.
alter table bank_uploads
    add column mode text not null default 'add' check (mode in ('add', 'replace')),
    add column as_pilots boolean not null default false;

-- Which attempts may serve a question. A pilot is served in practice sets and
-- drills only, so its statistics build up before it can count in a full exam.
-- Not part of a version: promoting a pilot changes no content.
alter table questions
    add column pool text not null default 'full' check (pool in ('full', 'pilot'));
create index questions_pilot_idx on questions (id) where pool = 'pilot';

-- Every confirmed upload, and which questions it retired, so that one action
-- can undo its retirements. A question still retired by an upload has
-- retired_at equal to the upload's created_at (both are the transaction's now()).
create table bank_imports (
    id         uuid primary key,
    user_id    uuid references users (id) on delete set null,
    files      text not null,
    mode       text not null check (mode in ('add', 'replace')),
    added      int  not null,
    changed    int  not null,
    retired    int  not null,
    created_at timestamptz not null default now(),
    undone_at  timestamptz
);
create index bank_imports_created_idx on bank_imports (created_at desc);

create table bank_import_retirements (
    import_id   uuid not null references bank_imports (id) on delete cascade,
    question_id text not null references questions (id),
    primary key (import_id, question_id)
);

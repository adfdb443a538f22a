-- Drafts generated from an instructor's study notes, waiting for review.
-- A batch is one upload; approved drafts are published through the normal
-- bank import, so validation and versioning apply as for any upload.

create table note_batches (
    id          uuid primary key,
    user_id     uuid references users (id) on delete set null,
    files       text[] not null,
    topic_slug  text not null,
    topic_name_ko text not null,
    topic_name_en text not null,
    summary_ko  text not null,
    summary_en  text not null,
    -- the generator's figures: drafts, rejections per rule, section coverage
    report      jsonb not null,
    warnings    text[] not null default '{}',
    created_at  timestamptz not null default now()
);

create table note_drafts (
    batch_id   uuid not null references note_batches (id) on delete cascade,
    n          int  not null,
    -- the draft question (bank model, status draft), as edited
    question   jsonb not null,
    kind       text not null,
    file       text not null,
    section    text not null,
    first_line int  not null,
    last_line  int  not null,
    excerpt    text not null,
    quality    int  not null check (quality between 0 and 100),
    state      text not null default 'pending' check (state in ('pending', 'approved', 'rejected', 'published')),
    updated_at timestamptz not null default now(),
    primary key (batch_id, n)
);
create index note_drafts_state_idx on note_drafts (batch_id, state);

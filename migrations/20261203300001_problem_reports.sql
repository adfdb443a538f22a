-- Problem reports (issue #17): a student reports a problem with the exact
-- question version they were shown; an instructor accepts or rejects it
-- with an answer the student then sees.
create table problem_reports (
    id          uuid primary key,
    user_id     uuid not null references users (id) on delete cascade,
    question_id text not null,
    version     int  not null,
    kind        text not null check (kind in ('wrong_key', 'outdated', 'unclear', 'typo', 'other')),
    body        text not null check (length(body) <= 2000),
    status      text not null default 'open' check (status in ('open', 'accepted', 'rejected')),
    answer      text check (length(answer) <= 2000),
    answered_by uuid references users (id) on delete set null,
    answered_at timestamptz,
    created_at  timestamptz not null default now(),
    foreign key (question_id, version) references question_versions (question_id, version)
);
create index problem_reports_user_idx on problem_reports (user_id, created_at desc);
create index problem_reports_status_idx on problem_reports (status, created_at);
create index problem_reports_open_idx on problem_reports (question_id, version) where status = 'open';

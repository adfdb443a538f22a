-- Weak-topic review: each student's spaced-repetition queue (FSRS card state
-- per question), their review answers, and their review settings.

create table review_settings (
    user_id           uuid primary key references users (id) on delete cascade,
    -- the recall probability FSRS schedules for
    desired_retention real not null default 0.90 check (desired_retention between 0.70 and 0.99),
    -- also queue questions answered right (wrong ones always enter)
    include_correct   boolean not null default false,
    updated_at        timestamptz not null default now()
);

-- Keyed by question id, not version: a new version continues the schedule.
create table review_cards (
    user_id        uuid not null references users (id) on delete cascade,
    question_id    text not null references questions (id) on delete cascade,
    due            timestamptz not null,
    stability      float8 not null,
    difficulty     float8 not null,
    elapsed_days   bigint not null,
    scheduled_days bigint not null,
    reps           int not null,
    lapses         int not null,
    -- FSRS state: 0 new, 1 learning, 2 review, 3 relearning
    state          smallint not null check (state between 0 and 3),
    last_review    timestamptz not null,
    added_at       timestamptz not null default now(),
    primary key (user_id, question_id)
);
create index review_cards_due_idx on review_cards (user_id, due);

-- Answers given in review sessions; they count towards mastery like exam answers.
create table review_log (
    id             bigserial primary key,
    user_id        uuid not null references users (id) on delete cascade,
    question_id    text not null references questions (id) on delete cascade,
    version        int not null,
    selected       text not null,
    correct        boolean not null,
    reviewed_at    timestamptz not null default now(),
    scheduled_days bigint not null,
    next_due       timestamptz not null
);
create index review_log_user_idx on review_log (user_id, reviewed_at);

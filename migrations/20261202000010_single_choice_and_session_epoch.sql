-- A single-answer item takes one choice; the save statement checks it, so a
-- hand-made request cannot store two choices for a single-answer question.
alter table attempt_items add column single_choice boolean not null default false;
update attempt_items i set single_choice = (v.content->>'kind' is distinct from 'multiple')
    from question_versions v
    where v.question_id = i.question_id and v.version = i.version;

-- Bumped when a user's sessions must end everywhere (password change, role
-- change): autosave tokens carry the epoch they were issued under, and a save
-- under an older epoch is refused.
alter table users add column session_epoch integer not null default 0;

-- Starting an exam inserts one attempt_items row per question (65 for a full
-- exam). The foreign key to question_versions ran a locking lookup (SELECT …
-- FOR KEY SHARE) per row, on version rows that concurrent starts all share,
-- and that was a large part of a start's cost under a burst of students.
-- Question versions are permanent: imports only ever add versions, and a
-- question leaves the bank by being retired, never deleted. This trigger
-- makes that a rule of the database, so a pinned version still always exists.
alter table attempt_items drop constraint attempt_items_question_id_version_fkey;

create function question_versions_are_permanent() returns trigger
language plpgsql as $$
begin
    raise exception 'question versions are permanent; retire the question instead'
        using errcode = 'restrict_violation';
end
$$;

create trigger question_versions_are_permanent
    before delete or update of question_id, version on question_versions
    for each row execute function question_versions_are_permanent();

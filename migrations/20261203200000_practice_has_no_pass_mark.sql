-- Practice sets and drills are scored as a share right, never on the exam's
-- scaled range with a pass mark: a 10-question drill is not "failed at 720".
-- Grading stores no scaled score or outcome for them from now on; clear the
-- ones stored before.
update attempts set scaled_score = null, passed = null where mode = 'practice';

"""The course's autograder: nbgrader, hardened, behind the `course` command.

nbgrader stays the backbone (source notebooks, release, gradebook, feedback) so instructors keep
its formgrader and its file layout. What this package adds is what nbgrader leaves to the
instructor: a fixed configuration that does not zero honest students, byte-stable releases,
parallel grading with each submission sandboxed on its own cloud, grade sheets that say *why* a
question scored zero, and feedback that never shows hidden tests.
"""

"""The one exception type a user sees as a plain sentence instead of a traceback."""


class UserError(Exception):
    """Bad input or configuration: the message says what is wrong and how to fix it.

    The command-line entry points catch it, print the message on one line, remove any
    half-written run folder and exit with :data:`EXIT_USER_ERROR`.
    """


EXIT_USER_ERROR = 2


class RunInterrupted(Exception):
    """Training was stopped by Ctrl-C or SIGTERM and saved for resuming; the message says how."""


class StoppedOutsideTraining(Exception):
    """Ctrl-C where a run holds nothing to resume: before its first epoch, or while its report is written.

    The message says when (``before training began``...); the entry point says what that leaves."""


EXIT_INTERRUPTED = 130  # what shells report for a program ended by Ctrl-C

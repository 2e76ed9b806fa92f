"""Full-screen and modal screens of the app.

A screen that uses the app's own parts (``self.app.turns``, ``.workspace``, ``.mode``) declares
``app = getters.app(MindpaneApp)`` under ``TYPE_CHECKING``, so a reader and an IDE can follow them.
Only there: ``tui.app`` imports the main screen to build it, so the main screen cannot import
``tui.app`` at run time, and Textual's "lazy" form (``getters.app(lambda: ...)``) calls the lambda
when the class is made, which is the same cycle. At run time ``self.app`` is Textual's own
(``getters.app`` would add only an ``isinstance`` check).

A dialog is handed what it may do with the journal (``tui.services.screen_access``) rather than
reaching into the app for it."""

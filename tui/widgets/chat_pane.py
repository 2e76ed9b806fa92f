"""The chat: one transcript per mode and the prompt. It shows turns, it does not run them: the
prompt's ``PromptBar.Sent`` bubbles up to the screen, which hands it to the app's turn controller,
and the controller's ``TurnUpdate`` messages come back here (through the screen) to be shown: each
carries one event, named as the turn service (or the controller) names it.
"""

from __future__ import annotations

from functools import partial
from typing import Protocol

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ContentSwitcher

from tui.domain.drafts import Draft
from tui.domain.modes import Mode
from tui.runtime.messages import (
    Recalled,
    ReplyChunk,
    TurnFailed,
    TurnMarked,
    TurnQueued,
    TurnRecovered,
    TurnStarted,
    TurnUpdate,
    TurnWaiting,
)
from tui.runtime.session import Turn
from tui.widgets.prompt_bar import PromptBar
from tui.widgets.transcript import Transcript
from tui.widgets.turn_view import TurnView


class DraftKeeper(Protocol):
    """What the chat needs of whatever keeps drafts on the disk (``tui.services.drafts.Drafts``)."""

    restored: Draft

    def hold(self, mode: str, text: str, from_prompt: bool = False) -> str | None: ...

    def set_prompt(self, text: str) -> None: ...

    def set_composer(self, mode: str, text: str) -> None: ...


class ChatPane(Vertical):
    def __init__(self, modes: dict[str, Mode], mode: Mode, retry_key: str, drafts: DraftKeeper | None = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.modes = modes
        self.mode = mode
        self.retry_key = retry_key
        self._drafts: dict[str, str] = {}
        self._keeper = drafts
        """Keeps what is written on the disk; its ``restored`` is what an earlier run had not sent."""

    def compose(self) -> ComposeResult:
        with ContentSwitcher(initial=self._transcript_id(self.mode.name), id="transcripts"):
            for name, mode in self.modes.items():
                yield Transcript(mode, mode.intro or f"{mode.title} — write and press Enter.",
                                 id=self._transcript_id(name))
        bar = PromptBar(id="prompt-bar")
        if self._keeper is not None:
            bar.hold, bar.keep_draft = partial(self._keeper.hold, from_prompt=True), self._keeper.set_prompt
        yield bar

    def on_mount(self) -> None:
        if self._keeper is not None:
            self.restore_drafts(self._keeper.restored.prompt, self._keeper.restored.composer)

    @staticmethod
    def _transcript_id(mode_name: str) -> str:
        return f"transcript-{mode_name}"

    def transcript(self, mode_name: str | None = None) -> Transcript:
        return self.query_one(f"#{self._transcript_id(mode_name or self.mode.name)}", Transcript)

    @property
    def prompt_bar(self) -> PromptBar:
        return self.query_one(PromptBar)

    # -- mode ------------------------------------------------------------------------------------

    def show_mode(self, mode: Mode, compose_key: str) -> None:
        self.mode = mode
        self.query_one(ContentSwitcher).current = self._transcript_id(mode.name)
        self.prompt_bar.show_mode(mode, compose_key)
        self.prompt_bar.show_draft_kept(bool(self.draft()), compose_key)
        self.transcript().announce()

    # -- drafts from the composer ----------------------------------------------------------------

    def draft(self) -> str:
        return self._drafts.get(self.mode.name, "")

    def kept_drafts(self) -> dict[str, str]:
        """Every mode's composer draft kept with Esc."""
        return dict(self._drafts)

    def keep_draft(self, text: str) -> None:
        if text.strip():
            self._drafts[self.mode.name] = text
        else:
            self._drafts.pop(self.mode.name, None)
        if self._keeper is not None:
            self._keeper.set_composer(self.mode.name, text)

    def restore_drafts(self, prompt: str, composer: dict[str, str]) -> None:
        """What an earlier run had not sent, back where it was, and said: the prompt's text (before
        anything typed since) and each mode's composer draft (a mode no longer configured keeps its
        draft in the file). Its sends come back as turns once the store opens."""
        where = []
        for name, text in composer.items():
            if name in self.modes and text.strip():
                self._drafts.setdefault(name, text)
                where = ["the composer"]
        if prompt.strip():
            field = self.prompt_bar.input
            field.value = f"{prompt} {field.value}".rstrip()
            field.cursor_position = len(field.value)
            where.insert(0, "the prompt")
        if where:
            self.prompt_bar.show_draft_kept(bool(self.draft()), self.prompt_bar.compose_key)
            self.notify(f"Your unsent draft from last time is back in {' and '.join(where)}.", title="Draft",
                        markup=False)

    def show_editing(self, note: str | None) -> None:
        """The prompt's border says what sending will do (editing a sent turn), or (None) is the
        mode's again."""
        self.prompt_bar.show_editing(note)

    def show_other_modes(self, titles: list[str] | None) -> None:
        """The prompt's border says the next send also recalls from ``titles`` (None: it does not)."""
        self.prompt_bar.show_other_modes(titles)

    def type_into_prompt(self, key: str, character: str | None) -> None:
        """A key typed in another pane (``TypedAway``): the prompt takes the focus and the key acts
        there, after what it holds. The focus is set now (``focus()`` would wait a message); the
        prompt handles it (which selects all its text), then the cursor goes to the end, then the
        key comes — pressed again, as ``App.simulate_key`` does, so the app hands it to the prompt
        and its bindings (Enter sends) apply. Typed into that selection, it would have replaced the
        draft."""
        prompt = self.prompt_bar.input
        if self.screen.focused is not prompt:
            self.screen.set_focus(prompt)

            def to_the_end() -> None:
                prompt.cursor_position = len(prompt.value)

            prompt.call_later(to_the_end)
        self.app.post_message(events.Key(key, character))

    def give_back(self, text: str) -> None:
        """A send that could not be kept: its text goes back in front of what the prompt holds, or,
        when it has several lines (the prompt cannot hold them), in front of the composer's draft."""
        if "\n" in text:
            kept = self.draft()
            self.keep_draft(f"{text}\n{kept}" if kept else text)
            self.prompt_bar.show_draft_kept(True, self.prompt_bar.compose_key)
            return
        prompt = self.prompt_bar.input
        prompt.value = f"{text} {prompt.value}".rstrip()
        prompt.cursor_position = len(prompt.value)

    # -- turns, as the turn controller reports them ------------------------------------------------

    def view_of(self, turn: Turn) -> TurnView | None:
        return self.transcript(turn.mode).view_of(turn)

    async def show_turn(self, update: TurnUpdate) -> None:
        """Show what happened to ``update.turn`` (the controller already recorded it on the turn)."""
        turn, event = update.turn, update.event
        transcript = self.transcript(turn.mode)
        if isinstance(event, TurnRecovered) or (isinstance(event, TurnQueued) and not event.again):
            view = await transcript.add_turn(turn, self.retry_key)
            if isinstance(event, TurnRecovered):
                await view.show_failed()
            return
        view = transcript.view_of(turn)
        if view is None:
            return
        if isinstance(event, TurnQueued):
            await view.reset_for_retry()
            transcript.select(view)
        elif isinstance(event, TurnWaiting):
            view.show_waiting(event.store_ready)
        elif isinstance(event, TurnStarted):
            view.show_recalling()
        elif isinstance(event, Recalled):
            view.show_recalled()
            self._announce_if_selected(view)
        elif isinstance(event, ReplyChunk):
            await view.add_chunk(event.text)
        elif isinstance(event, TurnMarked):
            view.show_marks()
        elif update.finished:
            if isinstance(event, TurnFailed) and event.partial and not view.reply.text:
                await view.add_chunk(event.partial)
            await view.show_finished()
            self._announce_if_selected(view)

    def _announce_if_selected(self, view: TurnView) -> None:
        transcript = self.transcript(view.turn.mode)
        if transcript.selected is view:
            transcript.announce()

    # -- copying ---------------------------------------------------------------------------------

    def copy_text(self) -> str:
        """The selected reply's last code block (or the whole reply), else the newest reply's."""
        transcript = self.transcript()
        selected = transcript.selected
        candidates = [selected] if selected is not None and selected.reply.text else []
        candidates += [view for view in reversed(transcript.views) if view.reply.text]
        return candidates[0].reply.copy_text() if candidates else ""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse

from mlnotes.assistant.api.deps import SettingsDep
from mlnotes.assistant.api.schemas import CorpusEntry, SectionOut
from mlnotes.assistant.corpus import body_markdown, corpus_tree, find_section, load_doc, render_html

router = APIRouter(prefix="/corpus", tags=["corpus"])

PathQ = Annotated[str, Query(min_length=1, max_length=300, description="corpus-relative path, e.g. guides/loss-functions.md")]


@router.get("/tree", response_model=list[CorpusEntry], summary="Every corpus file with its title and kind")
def tree(settings: SettingsDep) -> list[CorpusEntry]:
    return [CorpusEntry(**e.__dict__) for e in corpus_tree(settings.corpus_dir)]


@router.get("/raw", response_class=PlainTextResponse, summary="A corpus file as raw Markdown")
def raw(settings: SettingsDep, path: PathQ) -> PlainTextResponse:
    doc = load_doc(settings.corpus_dir, path)
    return PlainTextResponse("\n".join(doc.lines) + "\n", media_type="text/markdown; charset=utf-8")


@router.get("/section", response_model=SectionOut, summary="One section, as Markdown and rendered HTML")
def section(settings: SettingsDep, path: PathQ,
            section: Annotated[str, Query(min_length=1, max_length=300, description="section id (heading slug)")]
            ) -> SectionOut:
    doc = load_doc(settings.corpus_dir, path)
    s = find_section(doc, section)
    return SectionOut(**s.__dict__, html=render_html(s.markdown))


@router.get("/doc", summary="A whole document rendered to HTML")
def document(settings: SettingsDep, path: PathQ) -> dict:
    doc = load_doc(settings.corpus_dir, path)
    md = body_markdown(doc)
    return {"doc_id": doc.id, "title": doc.title, "path": doc.rel_path, "markdown": md, "html": render_html(md),
            "sections": [{"id": h.slug, "heading": h.text, "level": h.level, "line": h.line} for h in doc.headings]}

"""Mock-interview mode: calibrated grading against key points (:mod:`.grader`), SM-2 scheduling (:mod:`.srs`),
SQLite storage (:mod:`.store`), the service (:mod:`.service`) and its REST (:mod:`.api`), Gradio (:mod:`.ui`)
and terminal (:mod:`.cli`) interfaces."""

"""The human baseline: a web survey of the dataset's scenarios and the values questionnaire.

- :mod:`~pipeline.survey.plan`: what one participant is asked, in which order (pure);
- :mod:`~pipeline.survey.study`: the scenarios, questionnaire, design and consent of a study;
- :mod:`~pipeline.survey.store`: SQLite (WAL) storage that loses no stored answer;
- :mod:`~pipeline.survey.app`: the participants' web app (Flask, server-rendered HTML);
- :mod:`~pipeline.survey.export`: the responses file ``evaluate analyze --human`` reads, and
  the study's status;
- :mod:`~pipeline.survey.commands`: ``valact survey serve | status | export | withdraw``.
"""

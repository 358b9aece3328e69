"""Built-in starter prompts: what a community gets when its own queue is empty.

Original prompts for communities of practice, by theme. Order is stable: copbot records
which ones a community used by their index, so only ever append, never reorder or remove.
"""

from __future__ import annotations

from typing import Final

STARTER_PROMPTS: Final[tuple[tuple[str, str], ...]] = (
    ("reflection", "Looking back at this week, which small decision turned out to matter most?"),
    ("sharing practice", "Describe one habit or routine that quietly makes your work better."),
    (
        "asking for help",
        "Where are you stuck right now? Share it in a sentence or two and let "
        "the community think with you.",
    ),
    ("lessons learned", "Tell us about a mistake you are now grateful for. What did it teach you?"),
    ("reflection", "How has your idea of doing good work changed since you started?"),
    (
        "sharing practice",
        "Which tool, template or checklist would you hand to someone on their first day?",
    ),
    (
        "asking for help",
        "Is there a skill you keep meaning to learn? Name it, and ask who here "
        "could point you to a first step.",
    ),
    (
        "lessons learned",
        "Share a plan that did not survive contact with reality, and what you changed afterwards.",
    ),
    ("reflection", "Which part of your work gives you energy, and which part drains it?"),
    ("sharing practice", "Walk us through how you prepare for a difficult conversation."),
    (
        "asking for help",
        "Have a decision coming up? Lay out the options and let others share "
        "how they would weigh them.",
    ),
    ("lessons learned", "When did slowing down make you faster in the end?"),
    (
        "reflection",
        "If you could give your past self one piece of advice about this craft, what would it be?",
    ),
    ("sharing practice", "Show us a before-and-after: something you improved recently and how."),
    (
        "asking for help",
        "Ask the question you were afraid to ask in a meeting. No question is too basic here.",
    ),
    ("lessons learned", "Which piece of feedback changed the way you work, and why did it land?"),
    ("reflection", "Name something you understand today that confused you a year ago."),
    (
        "sharing practice",
        "How do you keep notes or keep track of what you learn? Share your system, however messy.",
    ),
    (
        "asking for help",
        "Looking for a reviewer, a sounding board or a pair? Describe what you "
        "need and for how long.",
    ),
    ("lessons learned", "Tell us about a time the simple solution beat the clever one."),
    (
        "reflection",
        "Who has shaped the way you practise your craft, and what did you take from them?",
    ),
    (
        "sharing practice",
        "Which resource (a book, talk, article or course) do you keep coming back to, and why?",
    ),
    (
        "asking for help",
        "Is something in your setup or process annoying you every day? "
        "Describe it; someone may have solved it.",
    ),
    (
        "lessons learned",
        "Which habit did you drop, and how did your work improve once it was gone?",
    ),
    ("reflection", "When did you last feel proud of your work? What made that moment stand out?"),
    (
        "sharing practice",
        "How do you start your working day so that the important things get done?",
    ),
    (
        "asking for help",
        "Share a draft, a sketch or an idea in progress and ask for one specific kind of feedback.",
    ),
    (
        "lessons learned",
        "Describe a project that went well. What would you repeat on purpose next time?",
    ),
    ("reflection", "Which question do you wish people asked you more often about your work?"),
    (
        "sharing practice",
        "Explain a concept from your field as you would to a curious ten-year-old.",
    ),
    (
        "asking for help",
        "Which topic would you like this community to cover in a session or a "
        "write-up? Say what you hope to learn.",
    ),
    ("lessons learned", "Tell us about an assumption you held for a long time and later dropped."),
    ("reflection", "What does a good week look like for you, and how close was this one?"),
    ("sharing practice", "Share a shortcut, trick or trade secret that saves you time."),
    (
        "asking for help",
        "Are you weighing a next step in your career or learning? Share where "
        "you are and what you are curious about.",
    ),
    ("lessons learned", "When did asking for help earlier than felt comfortable pay off?"),
    ("reflection", "How do you recognise that you have learned something well enough to teach it?"),
    (
        "sharing practice",
        "When you pass work on to someone else, what do you leave behind so they "
        "can carry on alone?",
    ),
    ("asking for help", "Which problem would you love a second pair of eyes on this week?"),
    (
        "lessons learned",
        "Share a time when a constraint (time, money, tools) led to a better result.",
    ),
    ("reflection", "Which of your strengths did you discover by accident?"),
    ("sharing practice", "How do you decide what not to work on? Share your filter."),
    (
        "asking for help",
        "Know a good question but not where to ask it? Post it here and we "
        "will help you find the right people.",
    ),
    (
        "lessons learned",
        "Tell us about a disagreement at work that ended up improving the outcome.",
    ),
    (
        "reflection",
        "Pick a moment from the past month when you were curious. Where did that "
        "curiosity take you?",
    ),
    ("sharing practice", "Before you call something done, which checks do you always run through?"),
    (
        "asking for help",
        "Is there a part of your craft that still feels like magic to you? "
        "Ask someone to demystify it.",
    ),
    ("lessons learned", "Which warning sign do you now watch for because you once missed it?"),
    ("reflection", "How do you rest and recover after an intense stretch of work?"),
    (
        "sharing practice",
        "Share how you onboard yourself into something unfamiliar: a new "
        "team, tool, method or topic.",
    ),
    (
        "asking for help",
        "Who here would you like to learn from? Describe what you would ask them over a coffee.",
    ),
    ("lessons learned", "What did the last thing you finished teach you about estimating?"),
    ("reflection", "Which belief about your field do you hold that many peers might not share?"),
    ("sharing practice", "How do you celebrate progress, yours or your team's?"),
    (
        "asking for help",
        "Planning to try something new next month? Tell us, and ask for one tip before you start.",
    ),
    (
        "lessons learned",
        "Looking at this year so far, what would you do differently if you started again tomorrow?",
    ),
    (
        "reflection",
        "Remember a task that once felt hard and now feels routine. "
        "What helped you get from one to the other?",
    ),
    (
        "sharing practice",
        "Tell us about a small experiment you tried in your work lately, "
        "even one that went nowhere, and what you noticed.",
    ),
    (
        "asking for help",
        "Is there a term, acronym or idea in our field that everyone seems to know "
        "except you? Ask about it here.",
    ),
    (
        "lessons learned",
        "Has a rule or process you once found pointless turned out to matter? "
        "Tell us what changed your mind.",
    ),
)

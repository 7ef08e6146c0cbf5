"""The wording of every message: kind → locale → part → Jinja2 source.

Parts: `title` and `body` (in-app, email subject/body, group bots); `sms` (the text a Chinese
SMS template is registered with; providers fill it from `sms_params`). A channel without a
part of its own uses `body`. Filters: `when` (a date-time in the reader's locale and time
zone, via Babel) and `number`.
"""

STATUS_ZH = {
    "accepted": "已受理",
    "in_progress": "处理中",
    "waiting": "等待您的回复",
    "resolved": "已办结",
    "closed": "已关闭",
    "rejected": "未予受理",
    "escalated": "已上报",
    "referred": "已转办",
    "merged": "已合并",
    "reported": "已上报",
}

# the pavilion council's words in Chinese (the English texts use the codes as they are)
STEP_ZH = {
    "propose": "提议",
    "consult": "商议",
    "review": "审议",
    "resolve": "决议",
    "evaluate": "评议",
}
OUTCOME_ZH = {
    "project": "立项为民生微实事",
    "community": "由社区直接办理",
    "referred": "提交上级办理",
    "rejected": "不予立项",
}
SATISFACTION_ZH = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}

TEXTS: dict[str, dict[str, dict[str, str]]] = {
    "issue_assigned": {
        "zh-CN": {
            "title": "新的居民诉求：{{ title }}",
            "body": "您负责的网格收到一条新的"
            "{{ (category_name or {}).get('zh-CN') or category or '' }}诉求，请及时响应。"
            "编号 {{ issue_id }}。",
            "sms": "您有新的居民诉求「{{ title }}」，请及时响应。",
        },
        "en": {
            "title": "New issue: {{ title }}",
            "body": "A new “{{ (category_name or {}).get('en') or category or '' }}” "
            "issue reached you; please respond. "
            "Reference {{ issue_id }}.",
        },
    },
    "issue_status": {
        "zh-CN": {
            "title": "诉求进展：{{ title }}",
            "body": "您关注的诉求「{{ title }}」状态更新为：{{ status_zh }}。"
            "{% if note %}说明：{{ note }}{% endif %}",
        },
        "en": {
            "title": "Update: {{ title }}",
            "body": "The issue “{{ title }}” is now {{ to_status | replace('_', ' ') }}."
            "{% if note %} Note: {{ note }}{% endif %}",
        },
    },
    "issue_reopened": {
        "zh-CN": {
            "title": "诉求退回重办：{{ title }}",
            "body": "诉求「{{ title }}」被退回重办。{% if note %}原因：{{ note }}{% endif %}",
        },
        "en": {
            "title": "Reopened: {{ title }}",
            "body": "The issue “{{ title }}” was sent back to be redone."
            "{% if note %} Reason: {{ note }}{% endif %}",
        },
    },
    "issue_evaluated": {
        "zh-CN": {
            "title": "居民评价：{{ title }}",
            "body": "居民对诉求「{{ title }}」的评价：{{ satisfaction or '' }}"
            "{% if score is not none %}（{{ score | number }} 分）{% endif %}。",
        },
        "en": {
            "title": "Rated: {{ title }}",
            "body": "The resident rated “{{ title }}”: {{ satisfaction or '' }}"
            "{% if score is not none %} ({{ score | number }}){% endif %}.",
        },
    },
    "issue_supported": {
        "zh-CN": {
            "title": "有居民附议：{{ title }}",
            "body": "诉求「{{ title }}」已有 {{ supporters | number }} 位居民附议。",
        },
        "en": {
            "title": "More support: {{ title }}",
            "body": "{{ supporters | number }} residents now support “{{ title }}”.",
        },
    },
    "issue_commented": {
        "zh-CN": {"title": "诉求有新留言", "body": "诉求 {{ issue_id }} 有一条新留言。"},
        "en": {"title": "New comment", "body": "Issue {{ issue_id }} has a new comment."},
    },
    "deadline_approaching": {
        "zh-CN": {
            "title": "即将超时：{{ title }}",
            "body": "诉求「{{ title }}」的{{ '响应' if clock == 'response' else '办结' }}时限"
            "将于 {{ due_at | when }} 到期。",
            "sms": "诉求「{{ title }}」即将超时，请尽快处理。",
        },
        "en": {
            "title": "Due soon: {{ title }}",
            "body": "The {{ clock }} deadline of “{{ title }}” is {{ due_at | when }}.",
        },
    },
    "deadline_breached": {
        "zh-CN": {
            "title": "已超时：{{ title }}",
            "body": "诉求「{{ title }}」的{{ '响应' if clock == 'response' else '办结' }}时限"
            "已于 {{ due_at | when }} 到期，已上报至上一级。",
            "sms": "诉求「{{ title }}」已超时并上报，请立即处理。",
        },
        "en": {
            "title": "Overdue: {{ title }}",
            "body": "The {{ clock }} deadline of “{{ title }}” passed at {{ due_at | when }}; "
            "it went up one level.",
        },
    },
    "callback_requested": {
        "zh-CN": {
            "title": "请回访：{{ title }}",
            "body": "居民尚未评价诉求「{{ title }}」，请电话回访。",
        },
        "en": {
            "title": "Call back: {{ title }}",
            "body": "The resident has not rated “{{ title }}”; please call them back.",
        },
    },
    "shift_signed_up": {
        "zh-CN": {
            "title": "报名成功：{{ title }}",
            "body": "您已报名 {{ starts_at | when }} – {{ ends_at | when }} 的志愿服务"
            "{% if place %}，地点：{{ place }}{% endif %}。",
        },
        "en": {
            "title": "You are signed up: {{ title }}",
            "body": "Your shift runs {{ starts_at | when }} – {{ ends_at | when }}"
            "{% if place %} at {{ place }}{% endif %}.",
        },
    },
    "shift_assigned": {
        "zh-CN": {
            "title": "排班通知：{{ title }}",
            "body": "您被安排在 {{ starts_at | when }} 参加「{{ title }}」"
            "{% if place %}，地点：{{ place }}{% endif %}，请确认。",
            "sms": "您被安排参加志愿服务「{{ title }}」，请登录确认。",
        },
        "en": {
            "title": "Rostered: {{ title }}",
            "body": "You are rostered for “{{ title }}” at {{ starts_at | when }}"
            "{% if place %} at {{ place }}{% endif %}; please confirm.",
        },
    },
    "waitlist_promoted": {
        "zh-CN": {
            "title": "候补转正：{{ title }}",
            "body": "有名额空出，您已转为「{{ title }}」的正式志愿者，"
            "{{ starts_at | when }} 开始。",
            "sms": "您已从候补转为志愿服务「{{ title }}」的正式人员。",
        },
        "en": {
            "title": "You got a place: {{ title }}",
            "body": "A place freed up: you are on “{{ title }}” at {{ starts_at | when }}.",
        },
    },
    "signup_cancelled": {
        "zh-CN": {
            "title": "报名已取消：{{ title }}",
            "body": "您在 {{ starts_at | when }} 的志愿服务「{{ title }}」已取消。",
        },
        "en": {
            "title": "Cancelled: {{ title }}",
            "body": "Your place on “{{ title }}” at {{ starts_at | when }} is cancelled.",
        },
    },
    "assignment_answered": {
        "zh-CN": {
            "title": "排班回复：{{ title }}",
            "body": "志愿者{{ '已确认' if answer == 'confirmed' else '已婉拒' }}"
            " {{ starts_at | when }} 的「{{ title }}」。",
        },
        "en": {
            "title": "Roster answer: {{ title }}",
            "body": "A volunteer {{ answer }} “{{ title }}” at {{ starts_at | when }}.",
        },
    },
    "no_show_recorded": {
        "zh-CN": {
            "title": "缺勤记录：{{ title }}",
            "body": "您未参加 {{ starts_at | when }} 的「{{ title }}」，已记录缺勤。",
        },
        "en": {
            "title": "Missed shift: {{ title }}",
            "body": "You were recorded absent from “{{ title }}” at {{ starts_at | when }}.",
        },
    },
    "hours_recorded": {
        "zh-CN": {
            "title": "服务时长已记录",
            "body": "已为您记录 {{ minutes | number }} 分钟志愿服务时长。",
        },
        "en": {
            "title": "Service hours recorded",
            "body": "{{ minutes | number }} minutes of service were recorded for you.",
        },
    },
    "activity_scheduled": {
        "zh-CN": {
            "title": "新的志愿活动：{{ title }}",
            "body": "「{{ title }}」将于 {{ first_starts_at | when }} 开始，欢迎报名。",
        },
        "en": {
            "title": "New activity: {{ title }}",
            "body": "“{{ title }}” starts {{ first_starts_at | when }}; sign up!",
        },
    },
    "shift_rescheduled": {
        "zh-CN": {
            "title": "时间变更：{{ title }}",
            "body": "志愿服务「{{ title }}」改为 {{ starts_at | when }} – {{ ends_at | when }}"
            "{% if place %}，地点：{{ place }}{% endif %}。",
            "sms": "志愿服务「{{ title }}」时间有变更，请登录查看。",
        },
        "en": {
            "title": "Moved: {{ title }}",
            "body": "“{{ title }}” now runs {{ starts_at | when }} – {{ ends_at | when }}"
            "{% if place %} at {{ place }}{% endif %}.",
        },
    },
    "shift_reminder": {
        "zh-CN": {
            "title": "志愿服务提醒：{{ title }}",
            "body": "您报名的「{{ title }}」将于 {{ starts_at | when }} 开始"
            "{% if place %}，地点：{{ place }}{% endif %}。",
            "sms": "提醒：志愿服务「{{ title }}」即将开始。",
        },
        "en": {
            "title": "Reminder: {{ title }}",
            "body": "“{{ title }}” starts {{ starts_at | when }}"
            "{% if place %} at {{ place }}{% endif %}.",
        },
    },
    "topic_raised": {
        "zh-CN": {
            "title": "议题已提交议事会：{{ title }}",
            "body": "诉求「{{ title }}」已列为议事议题"
            "{% if important %}（重要事项，按五步议事法办理）{% endif %}，将在议事会上协商。",
        },
        "en": {
            "title": "Raised for the council: {{ title }}",
            "body": "“{{ title }}” is now a topic for the council"
            "{% if important %} (an important matter: five-step procedure){% endif %}.",
        },
    },
    "meeting_scheduled": {
        "zh-CN": {
            "title": "议事会通知：{{ title }}",
            "body": "{{ starts_at | when }}{% if place %}在{{ place }}{% endif %}召开"
            "「{{ title }}」，欢迎报名参加。",
        },
        "en": {
            "title": "Council meeting: {{ title }}",
            "body": "“{{ title }}” meets {{ starts_at | when }}"
            "{% if place %} at {{ place }}{% endif %}. Register to take part.",
        },
    },
    "meeting_registered": {
        "zh-CN": {
            "title": "报名成功：{{ title }}",
            "body": "您已报名「{{ title }}」，时间 {{ starts_at | when }}"
            "{% if place %}，地点：{{ place }}{% endif %}。会前一天将提醒您。",
        },
        "en": {
            "title": "Registered: {{ title }}",
            "body": "You are registered for “{{ title }}”, {{ starts_at | when }}"
            "{% if place %} at {{ place }}{% endif %}. We will remind you the day before.",
        },
    },
    "registration_cancelled": {
        "zh-CN": {"title": "已取消报名：{{ title }}", "body": "您已取消报名「{{ title }}」。"},
        "en": {"title": "Registration withdrawn: {{ title }}", "body": "You left “{{ title }}”."},
    },
    "meeting_rescheduled": {
        "zh-CN": {
            "title": "议事会改期：{{ title }}",
            "body": "「{{ title }}」改为 {{ starts_at | when }}"
            "{% if place %}，地点：{{ place }}{% endif %}。"
            "{% if reason %}原因：{{ reason }}{% endif %}",
            "sms": "您报名的议事会「{{ title }}」时间有变更，请登录查看。",
        },
        "en": {
            "title": "Moved: {{ title }}",
            "body": "“{{ title }}” now meets {{ starts_at | when }}"
            "{% if place %} at {{ place }}{% endif %}."
            "{% if reason %} Reason: {{ reason }}{% endif %}",
        },
    },
    "meeting_cancelled": {
        "zh-CN": {
            "title": "议事会取消：{{ title }}",
            "body": "原定 {{ starts_at | when }} 的「{{ title }}」已取消。"
            "{% if reason %}原因：{{ reason }}{% endif %}",
            "sms": "您报名的议事会「{{ title }}」已取消。",
        },
        "en": {
            "title": "Cancelled: {{ title }}",
            "body": "“{{ title }}” on {{ starts_at | when }} is cancelled."
            "{% if reason %} Reason: {{ reason }}{% endif %}",
        },
    },
    "meeting_held": {
        "zh-CN": {
            "title": "会议纪要：{{ title }}",
            "body": "「{{ title }}」已召开，会议纪要和议定事项可在议事会页面查看。",
        },
        "en": {
            "title": "Minutes: {{ title }}",
            "body": "“{{ title }}” was held; its minutes and resolutions are available.",
        },
    },
    "meeting_reminder": {
        "zh-CN": {
            "title": "议事会提醒：{{ title }}",
            "body": "您报名的「{{ title }}」将于 {{ starts_at | when }} 召开"
            "{% if place %}，地点：{{ place }}{% endif %}。",
            "sms": "提醒：议事会「{{ title }}」即将召开。",
        },
        "en": {
            "title": "Reminder: {{ title }}",
            "body": "“{{ title }}” meets {{ starts_at | when }}"
            "{% if place %} at {{ place }}{% endif %}.",
        },
    },
    "procedure_step": {
        "zh-CN": {
            "title": "五步议事法进展：{{ title }}",
            "body": "议题「{{ title }}」已完成“{{ step_zh }}”。"
            "{% if next_step_zh %}下一步：{{ next_step_zh }}。{% endif %}",
        },
        "en": {
            "title": "Five-step procedure: {{ title }}",
            "body": "“{{ title }}”: {{ step }} is recorded."
            "{% if next_step %} Next: {{ next_step }}.{% endif %}",
        },
    },
    "resolution_recorded": {
        "zh-CN": {
            "title": "议事会决议：{{ title }}",
            "body": "议事会对「{{ title }}」作出决议：{{ outcome_zh }}"
            "（赞成 {{ votes_for }}，反对 {{ votes_against }}，弃权 {{ votes_abstain }}）。"
            "{% if reasons %}理由：{{ reasons }}{% endif %}",
        },
        "en": {
            "title": "Council decision: {{ title }}",
            "body": "The council decided on “{{ title }}”: {{ outcome }} "
            "({{ votes_for }} for, {{ votes_against }} against, {{ votes_abstain }} abstaining)."
            "{% if reasons %} Reasons: {{ reasons }}{% endif %}",
        },
    },
    "project_created": {
        "zh-CN": {
            "title": "民生微实事立项：{{ title }}",
            "body": "您关注的问题已立项为民生微实事「{{ title }}」，我们会及时告知进展。",
        },
        "en": {
            "title": "Project formed: {{ title }}",
            "body": "What you raised is now the micro-project “{{ title }}”; we will keep you "
            "posted.",
        },
    },
    "project_progressed": {
        "zh-CN": {
            "title": "项目进展：{{ title }}",
            "body": "「{{ title }}」当前进度 {{ progress | number }}%。"
            "{% if note %}说明：{{ note }}{% endif %}",
        },
        "en": {
            "title": "Progress: {{ title }}",
            "body": "“{{ title }}” is {{ progress | number }}% done."
            "{% if note %} {{ note }}{% endif %}",
        },
    },
    "project_completed": {
        "zh-CN": {
            "title": "项目完成：{{ title }}",
            "body": "民生微实事「{{ title }}」已完成。{% if note %}{{ note }}{% endif %}"
            "欢迎您对项目进行评价。",
            "sms": "您关注的民生微实事「{{ title }}」已完成，欢迎评价。",
        },
        "en": {
            "title": "Completed: {{ title }}",
            "body": "The micro-project “{{ title }}” is complete."
            "{% if note %} {{ note }}{% endif %} Please rate it.",
        },
    },
    "project_rated": {
        "zh-CN": {
            "title": "居民评价：{{ title }}",
            "body": "有居民评价了「{{ title }}」：{{ satisfaction_zh }}。",
        },
        "en": {
            "title": "Rated: {{ title }}",
            "body": "A resident rated “{{ title }}”: {{ satisfaction }}.",
        },
    },
    "team_joined": {
        "zh-CN": {
            "title": "欢迎加入{{ team_name }}",
            "body": "您已加入志愿服务队「{{ team_name }}」"
            "{% if role == 'lead' %}，担任队长{% endif %}。",
        },
        "en": {
            "title": "Welcome to {{ team_name }}",
            "body": "You are now {{ 'the lead' if role == 'lead' else 'a member' }} of the "
            "volunteer team “{{ team_name }}”.",
        },
    },
    "roster_filled": {
        "zh-CN": {
            "title": "自动排班完成：{{ starts_on }} 至 {{ ends_on }}",
            "body": "本次排班填补了 {{ filled | number }} 个岗位，"
            "仍有 {{ unfilled | number }} 个空缺{% if dropped %}，"
            "{{ dropped | number }} 个建议因情况变化未保存{% endif %}。编号 {{ roster_id }}。",
        },
        "en": {
            "title": "Roster done: {{ starts_on }} to {{ ends_on }}",
            "body": "The run filled {{ filled | number }} places; {{ unfilled | number }} remain "
            "open{% if dropped %}, {{ dropped | number }} proposals no longer held{% endif %}. "
            "Reference {{ roster_id }}.",
        },
    },
    "roster_failed": {
        "zh-CN": {
            "title": "自动排班未完成：{{ starts_on }} 至 {{ ends_on }}",
            "body": "排班尝试 {{ attempts }} 次后放弃，未保存任何结果：{{ detail }}",
        },
        "en": {
            "title": "Roster failed: {{ starts_on }} to {{ ends_on }}",
            "body": "The run gave up after {{ attempts }} tries and saved nothing: {{ detail }}",
        },
    },
    "digest": {
        "zh-CN": {
            "title": "新诉求汇总（{{ count | number }} 条）",
            "body": "{% for item in items %}· {{ item.title }}\n{% endfor %}",
        },
        "en": {
            "title": "New issues digest ({{ count | number }})",
            "body": "{% for item in items %}· {{ item.title }}\n{% endfor %}",
        },
    },
    "announcement": {
        "zh-CN": {"title": "{{ title }}", "body": "{{ body }}"},
        "en": {"title": "{{ title }}", "body": "{{ body }}"},
    },
}

"""Seed the GB/T 27922 framework: its three first-level and fifteen second-level
indicators, the KPIs that support them, and its bands (thresholds as data). Third-level
items and their points are the quality manager's to add."""

from django.db import migrations

BANDS = [
    {"min": 70, "band": "compliant"},
    {"min": 80, "band": "three_stars"},
    {"min": 90, "band": "four_stars"},
    {"min": 95, "band": "five_stars"},
]

TREE = [
    ("1", "Service system", "服务体系", [
        ("1.1", "Organisation", "组织机构", []),
        ("1.2", "Staffing", "人员配置", []),
        ("1.3", "Resources", "服务资源", []),
        ("1.4", "Rules", "服务制度", []),
        ("1.5", "Supervision", "服务监督", ["review_on_time_rate", "conduct_compliance_rate"]),
        ("1.6", "Improvement", "服务改进", ["improvement_on_time_rate", "improvement_actions_open"]),
        ("1.7", "Service culture", "服务文化", []),
    ]),
    ("2", "Product service", "商品服务", [
        ("2.1", "Product information", "商品信息", []),
        ("2.2", "Technical support", "技术支持", ["first_response_median_hours"]),
        ("2.3", "Delivery and installation", "配送安装", ["on_time_rate.onsite"]),
        ("2.4", "Repair", "维修服务", ["first_time_fix_rate", "repeat_repair_rate_30",
                                        "resolution_median_hours"]),
        ("2.5", "Quality guarantee", "质量保证", ["sanbao_exceptions", "recourse_recovery_rate"]),
        ("2.6", "Take-back of discarded products", "废弃产品回收", []),
    ]),
    ("3", "Customer service", "顾客服务", [
        ("3.1", "Customer relationship", "顾客关系", ["satisfaction_rate", "followup_rate",
                                                    "csat", "nps"]),
        ("3.2", "Complaint handling", "投诉处理", ["complaint_rate", "omission_rate",
                                                "dissatisfaction_rate", "on_time_rate.resolve",
                                                "feedback_on_time_rate"]),
    ]),
]  # fmt: skip


def seed(apps, schema_editor):
    Framework = apps.get_model("standards", "AssessmentFramework")
    Indicator = apps.get_model("standards", "AssessmentIndicator")
    framework, _created = Framework.objects.get_or_create(
        code="GB/T 27922",
        defaults={
            "name": "Evaluation of after-sales service of commodities",
            "name_zh": "商品售后服务评价体系",
            "bands": BANDS,
        },
    )
    position = 0
    for code, name, name_zh, children in TREE:
        position += 1
        parent, _ = Indicator.objects.get_or_create(
            framework=framework,
            code=code,
            defaults={"name": name, "name_zh": name_zh, "level": 1, "position": position},
        )
        for child_code, child_name, child_zh, kpis in children:
            position += 1
            Indicator.objects.get_or_create(
                framework=framework,
                code=child_code,
                defaults={
                    "name": child_name,
                    "name_zh": child_zh,
                    "level": 2,
                    "parent": parent,
                    "kpis": kpis,
                    "position": position,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("standards", "0005_self_assessment")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

"""Demo customer archive: parties, product models across categories, a few hundred
customers with products of every age (in validity, expiring soon, expired), contacts, a
pair of duplicates, and the portal customer's archive. Idempotent; deterministic."""

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from aftersales.models import Unit, User
from customers import services
from customers.models import Customer, Party

CUSTOMERS = 300
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国晨宇浩然思雨子涵欣怡梓轩"
CITIES = [("上海", "urban"), ("苏州", "urban"), ("杭州", "urban"), ("嘉兴", "rural"),
          ("昆山", "urban"), ("崇明", "rural"), ("南通", "rural")]  # fmt: skip

PARTIES = [
    ("ACME Appliances Manufacturing Co.", "producer"),
    ("Haibin Electronics", "producer"),
    ("Delta Motors", "producer"),
    ("Shanghai Compressor Parts Ltd.", "supplier"),
    ("ACME Flagship Store Xuhui", "seller"),
    ("Online Mall ACME Official Store", "seller"),
    ("Suning Partner Store Pudong", "seller"),
    ("Swift Logistics", "carrier"),
    ("HomeFit Installers", "installer"),
]

MODELS = [
    # code, name, category, producer, components, maintenance months
    ("WM-8KG-F1", "Front-loading washing machine 8 kg", "washing_machine", 0, ["motor"], 12),
    ("RF-520-DD", "Double-door refrigerator 520 L", "refrigerator", 0,
     ["compressor", "evaporator", "condenser"], None),
    ("AC-35-INV", "Inverter air conditioner 3.5 kW", "air_conditioner", 0, ["compressor"], 12),
    ("TV-65-OLED", "65-inch OLED TV", "tv", 1, ["picture_tube"], None),
    ("NB-14-PRO", "14-inch notebook computer", "computer", 1,
     ["cpu", "mainboard", "hard_disk", "display"], None),
    ("EV-S5", "Household electric car S5", "vehicle", 2, ["engine", "transmission"], 12),
]  # fmt: skip


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(
        rng.choice(GIVEN) for _ in range(rng.choice([1, 2]))
    )


def _phone(rng: random.Random, used: set[str]) -> str:
    while True:
        prefix = rng.choice(["130", "135", "138", "150", "158", "186", "188", "139"])
        number = f"{prefix}{rng.randint(10_000_000, 99_999_999)}"
        if number not in used:
            used.add(number)
            return number


@transaction.atomic
def load(stdout=None) -> None:
    """Create the demo archive (skipped when it exists)."""
    if Customer.objects.exists():
        return
    rng = random.Random(20261128)  # noqa: S311  # demo data, not security
    agent = User.objects.get(username="agent")
    today = timezone.localdate()
    branch = Unit.objects.get(code="sh")
    parties = [
        services.party_save(actor=agent, name=name, kind=kind, phone="400-800-1234")
        for name, kind in PARTIES
    ]
    producers = [p for p in parties if p.kind == Party.Kind.PRODUCER]
    sellers = [p for p in parties if p.kind == Party.Kind.SELLER]
    product_models = [
        services.product_model_save(
            actor=agent,
            code=code,
            name=name,
            category=category,
            producer=producers[producer],
            main_components=components,
            maintenance_interval_months=months,
            launch_date=today - timedelta(days=1500),
        )  # fmt: skip
        for code, name, category, producer, components, months in MODELS
    ]
    used: set[str] = set()
    portal_user = User.objects.get(username="customer@example.com")
    portal = services.customer_create(
        actor=agent, name="张伟 Zhang Wei", phones=["+86 138 0013 8000"],
        email="customer@example.com", segment=Customer.Segment.REGULAR, city="上海",
        address="上海市徐汇区漕溪北路 88 号", unit=branch, consent_marketing=True, tags=["portal"],
    )  # fmt: skip
    Customer.objects.filter(pk=portal.pk).update(user=portal_user)
    used.add("13800138000")
    customers = [portal]
    for index in range(CUSTOMERS - 1):
        city, region = rng.choice(CITIES)
        customers.append(
            services.customer_create(
                actor=agent,
                name=_name(rng)
                if index % 10
                else f"{city}{rng.choice(['宏达', '华美', '新兴'])}贸易有限公司",
                kind=Customer.Kind.PERSON if index % 10 else Customer.Kind.ORGANISATION,
                phones=[_phone(rng, used)]
                + ([_phone(rng, used)] if index % 7 == 0 else []),
                email=f"c{index:03d}@example.cn" if index % 3 == 0 else "",
                segment=rng.choice(["new", "regular", "regular", "key"]),
                city=city,
                region=region,
                address=f"{city}市人民路 {rng.randint(1, 999)} 号",
                unit=branch,
                consent_marketing=rng.random() < 0.6,
                tags=["VIP"] if index % 25 == 0 else [],
                external_id=f"CRM-{index:05d}",
            )  # fmt: skip
        )
    serial = 100000
    for index, customer in enumerate(customers):
        for _ in range(1 if index % 3 else 2):
            product_model = product_models[
                rng.randrange(len(product_models) - (index % 5 != 0))
            ]
            age = rng.choice([3, 12, 40, 200, 330, 350, 400, 700, 1100])
            sale = today - timedelta(days=age)
            serial += 1
            services.product_register(
                actor=agent, customer=customer, model=product_model,
                serial=f"{product_model.code[:2]}{serial}", seller=rng.choice(sellers),
                sale_date=sale, delivery_date=sale + timedelta(days=2),
                installation_date=sale + timedelta(days=3) if rng.random() < 0.7 else None,
                invoice_number=f"FP{serial:08d}", invoice_price=Decimal(rng.randint(1999, 12999)),
                price_paid=Decimal(rng.randint(1899, 12999)), is_distance_sale=rng.random() < 0.4,
            )  # fmt: skip
    for index, customer in enumerate(customers[:60]):
        services.contact_log(
            actor=agent, customer=customer, channel="phone",
            summary="Asked how to clean the filter; explained on the phone.",
            disposition="answered", at=timezone.now() - timedelta(days=index, hours=2),
        )  # fmt: skip
    duplicate = services.customer_create(
        actor=agent, name=customers[5].name, phones=[customers[5].phones.first().number],
        city=customers[5].city, unit=branch,
    )  # fmt: skip
    services.contact_log(
        actor=agent, customer=duplicate, channel="counter", summary="Walk-in; no case.",
        disposition="",
    )  # fmt: skip
    if stdout:
        stdout.write(
            f"  archive: {len(customers) + 1} customers, {serial - 100000} products"
        )

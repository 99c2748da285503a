"""Children's comments about a city park's play area, made up from templates with a seeded random generator:
varied Chinese and English sentences of a child's length, for the demo (app/demo.py), the benchmark
(bench/themes.py) and tests of the themes. Pure: no database, the same seed gives the same comments."""

from __future__ import annotations

import random

# Each topic: Chinese sentences and English sentences, with {x} filled from the topic's own words.
TOPICS: dict[str, dict[str, list[str]]] = {
    "swings": {
        "zh": ["我想要更多的{x}，现在总是要排很久的队。", "希望新的游乐区有{x}，我最喜欢玩{x}了！", "{x}太少了，小朋友们都抢着玩。",
               "能不能多放几个{x}？我和妹妹每次都要等。", "我希望有高高的{x}，可以荡得很高。"],
        "en": ["We need more {x}, there is always a long queue.", "Please put big {x} in the new play area, I love them!",
               "There are not enough {x} and kids fight over them.", "I wish there were {x} for bigger kids too.",
               "Can we have more {x}? I always have to wait for my turn."],
        "x_zh": ["秋千", "滑梯", "跷跷板", "旋转木马", "蹦床"],
        "x_en": ["swings", "slides", "seesaws", "trampolines", "roundabouts"],
    },
    "toilets": {
        "zh": ["公园里的{x}太远了，我差点来不及。", "希望游乐区旁边有干净的{x}。", "{x}又脏又臭，我不敢进去。",
               "夏天太热了，想要{x}，喝水要跑很远。", "能不能在滑梯旁边建一个{x}？"],
        "en": ["The {x} are too far from the playground.", "Please build clean {x} next to the play area.",
               "The {x} smell bad and I am scared to go in.", "In summer it is so hot, we need {x} near the swings.",
               "My little brother always needs the {x} and it is far away."],
        "x_zh": ["厕所", "洗手间", "饮水机", "洗手池"],
        "x_en": ["toilets", "bathrooms", "water fountains", "drinking taps"],
    },
    "shade": {
        "zh": ["夏天滑梯被太阳晒得好烫，希望有{x}。", "想要更多的{x}，这样我们不会被晒伤。", "游乐区没有{x}，中午根本没法玩。",
               "请多种一些{x}，树下玩很凉快。", "希望有{x}，下雨的时候也能玩。"],
        "en": ["The slide gets too hot in the sun, we need {x}.", "Please plant more {x} so we don't get sunburnt.",
               "There is no {x} so we cannot play at noon.", "I like playing under {x} because it is cool.",
               "We want {x} so we can still play when it rains."],
        "x_zh": ["大树", "遮阳棚", "树荫", "凉亭"],
        "x_en": ["big trees", "shade", "a roof", "sun shades"],
    },
    "safety": {
        "zh": ["公园门口的{x}太多了，过马路很危险。", "晚上太黑了，希望多装一些{x}。", "地上太硬了，摔倒很疼，想要{x}。",
               "游乐区旁边有{x}，我有点害怕。", "希望有{x}，让小朋友玩得更安全。"],
        "en": ["There are too many {x} near the gate, crossing the road is scary.", "It is too dark at night, please add {x}.",
               "The ground is hard and it hurts when we fall, we want {x}.", "I feel scared because of the {x} near the playground.",
               "Please put up {x} so little kids are safe."],
        "x_zh": ["汽车", "路灯", "软垫子", "围栏", "电动车"],
        "x_en": ["cars", "lights", "soft mats", "fences", "scooters"],
    },
    "clean": {
        "zh": ["公园里到处都是{x}，一点都不干净。", "希望多放一些{x}，大家就不会乱扔了。", "沙坑里有{x}，玩的时候很恶心。",
               "湖边的{x}太多了，鱼都不见了。", "请每天清理{x}，让公园干干净净的。"],
        "en": ["There is {x} everywhere in the park.", "Please put more {x} so people stop dropping rubbish.",
               "The sandpit has {x} in it and it is gross.", "There is so much {x} by the lake.",
               "Please clean up the {x} every day."],
        "x_zh": ["垃圾", "垃圾桶", "烟头", "狗便便", "塑料袋"],
        "x_en": ["litter", "bins", "cigarette ends", "dog poo", "plastic bags"],
    },
    "sports": {
        "zh": ["大孩子也需要玩的地方，想要{x}。", "希望有{x}，我和同学放学后可以一起玩。", "游乐区都是给小朋友的，我们想要{x}。",
               "如果有{x}就太好了，我每天都会来。", "请建一个{x}，周末可以和爸爸一起玩。"],
        "en": ["Older kids need somewhere too, we want {x}.", "I wish there was {x} so my friends and I can play after school.",
               "The playground is only for little kids, we want {x}.", "It would be great to have {x}, I would come every day.",
               "Please build {x} so I can play with my dad at weekends."],
        "x_zh": ["篮球场", "足球场", "滑板场", "乒乓球桌", "攀岩墙"],
        "x_en": ["a basketball court", "a football pitch", "a skate park", "table tennis", "a climbing wall"],
    },
    "nature": {
        "zh": ["我喜欢看{x}，希望公园里有更多。", "能不能留一块地方给{x}？", "想要一个可以观察{x}的地方。",
               "希望保护湖里的{x}，不要把它们赶走。", "我想种{x}，和同学一起照顾它们。"],
        "en": ["I love watching {x}, please keep more of them.", "Can there be a place for {x} in the park?",
               "I want a spot to look at {x} with my class.", "Please protect the {x} in the lake.",
               "I want to grow {x} and look after them with my friends."],
        "x_zh": ["小鸟", "蝴蝶", "花", "小鱼", "蔬菜"],
        "x_en": ["birds", "butterflies", "flowers", "ducks", "vegetables"],
    },
    "seats": {
        "zh": ["{x}没有地方坐，只能站着等我。", "希望多放一些长椅给{x}。", "{x}带弟弟来玩的时候需要有地方休息。",
               "想要有桌子的地方，可以和{x}一起野餐。", "请在游乐区旁边放椅子，{x}可以看着我们玩。"],
        "en": ["My {x} have nowhere to sit while I play.", "Please add more benches for {x}.",
               "When my {x} bring my little brother they need a place to rest.", "I want picnic tables so I can eat with my {x}.",
               "Put seats next to the playground so {x} can watch us."],
        "x_zh": ["奶奶", "爷爷", "妈妈", "爸爸", "外婆"],
        "x_en": ["grandma", "grandpa", "mum", "parents", "grandparents"],
    },
}
GUARDIAN_TEXTS = [
    "希望游乐区旁边有足够的座椅和遮阳，老人带孩子很辛苦。",
    "请注意公园入口的交通安全，上下学时间车很多。",
    "建议增加卫生间和母婴室，方便带小孩的家庭。",
    "Please keep the play area fenced so small children cannot run onto the road.",
    "More lighting in the evening would make families feel safer.",
    "希望设施适合不同年龄的孩子，不要只有幼儿的。",
]


def comments(count: int, *, seed: int = 0, chinese_share: float = 0.6) -> list[tuple[str, str]]:
    """`count` (topic, text) pairs, about `chinese_share` of them in Chinese."""
    rng = random.Random(seed)
    names = sorted(TOPICS)
    found = []
    for _ in range(count):
        topic = rng.choice(names)
        words = TOPICS[topic]
        lang = "zh" if rng.random() < chinese_share else "en"
        template = rng.choice(words[lang])
        text = template.replace("{x}", rng.choice(words[f"x_{lang}"]))
        if rng.random() < 0.25:  # some children say a little more
            other = TOPICS[rng.choice(names)] if rng.random() < 0.3 else words
            extra = rng.choice(other[lang]).replace("{x}", rng.choice(other[f"x_{lang}"]))
            text = f"{text}{'' if lang == 'zh' else ' '}{extra}"
        found.append((topic, text))
    return found

"""The demo city: 結野市 (Yuino City), generated deterministically from a seed.

``generate(seed)`` builds a whole fictional city as model records: ten districts, about 60
neighbourhood associations, 40 NPOs and volunteer groups, 40 businesses, 20 schools, 10 city
departments and the social welfare council; their needs and offers written as Japanese sentences
(``ingest.demo_text``); six fiscal years of collaborations (FY2020–FY2025) with roles and
evaluations; historical suggestions with coordinator decisions; and businesses' expressions of
interest.  ``load(store)`` upserts it, ``write_files(city, dir)`` writes it in every format the
ingest package reads, and ``register(app)`` adds ``tsunagu demo``.

How partners are chosen (so that a matcher trained on early years can predict later ones):
each collaboration has a lead organization and a theme; candidate partners are weighted by
sector complementarity, same or neighbouring district, whether the theme is theirs (or their
fields overlap), earlier ties with the lead (weighted by how well those went) and partners of
partners, times each organization's activity level and log-normal noise; a share of partners is
drawn at random.  Organizations join the network over the years and the number of collaborations
grows each year; some organizations never collaborate.
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from graph.cells import check_no_formulas
from graph.model import (
    NPO_FIELDS,
    Area,
    Collaboration,
    CollaborationForm,
    CollaborationStatus,
    Decision,
    Intensity,
    Interest,
    InterestStatus,
    Need,
    NeedStatus,
    Offer,
    Organization,
    Participant,
    PartnerEvaluation,
    Record,
    Sector,
    Suggestion,
    SuggestionKind,
    SuggestionStatus,
    Visibility,
)
from ingest import demo_text as txt

__all__ = ["DemoCity", "generate", "load", "register", "write_files"]

CITY = "結野市"
CITY_KANA = "ゆいのし"
#: the fictional city centre (used for map coordinates)
CENTER_LAT, CENTER_LON = 36.2650, 138.4550
#: the day the demo's "present" is: collaborations running past it are active
REFERENCE_DATE = date(2026, 3, 31)
FIRST_FY = 2020
FISCAL_YEARS = tuple(range(FIRST_FY, 2026))  # FY2020 (2020-04) … FY2025 (ends 2026-03)
COORDINATORS = ("demo-coordinator-sato", "demo-coordinator-tanaka")

SEC = Sector

# --------------------------------------------------------------------------------------------
# The city's fixed cast (names are fictional)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class District:
    name: str
    kana: str
    x_km: float
    y_km: float
    themes: tuple[str, ...]  # the district's character: which activities its groups pursue
    associations: tuple[str, ...]  # candidate names of its 区・自治会


DISTRICTS: tuple[District, ...] = (
    District("中央", "ちゅうおう", 0.0, 0.0, ("festival", "patrol", "akiya", "digital", "watch"),
             ("本町一丁目区", "本町二丁目区", "仲町区", "栄町区", "駅前通り町内会", "寿町自治会")),
    District("北山", "きたやま", 0.3, 4.2, ("noh", "flower", "watch", "bousai"),
             ("北山上区", "北山下区", "宮前区", "山王区", "若宮自治会", "北山団地自治会")),
    District("東町", "ひがしまち", 3.6, 0.4, ("intl", "festival", "patrol", "kodomo"),
             ("東町一区", "東町二区", "旭町区", "新町区", "東町駅南自治会", "柳通り町内会")),
    District("西原", "にしはら", -3.7, 0.2, ("arechiuri", "river", "recycle", "patrol"),
             ("西原上区", "西原下区", "工業団地自治会", "西原新田区", "松原区", "西原台町内会")),
    District("南台", "みなみだい", 0.2, -3.6, ("watch", "dementia", "health", "bousai"),
             ("南台一丁目自治会", "南台二丁目自治会", "南台三丁目自治会", "南台団地自治会",
              "梅ヶ丘区", "竹の内区")),
    District("桜丘", "さくらがおか", 3.3, 3.8, ("study", "flower", "intl", "digital"),
             ("桜丘一区", "桜丘二区", "学園町自治会", "桜丘ニュータウン自治会", "小桜区",
              "並木町内会")),
    District("川辺", "かわべ", -3.2, 3.7, ("river", "arechiuri", "bousai", "flower"),
             ("川辺上区", "川辺下区", "舟渡区", "堤町区", "柳原区", "中洲自治会")),
    District("緑が丘", "みどりがおか", 3.4, -3.5, ("kodomo", "study", "patrol", "health"),
             ("緑が丘一丁目自治会", "緑が丘二丁目自治会", "緑が丘三丁目自治会", "青葉台自治会",
              "若葉区", "緑が丘西町内会")),
    District("田園", "でんえん", -3.6, -3.4, ("local_food", "arechiuri", "watch", "akiya"),
             ("上田園区", "下田園区", "大沢区", "小池区", "畑中区", "新田区")),
    District("高原", "たかはら", 7.0, 0.3, ("local_food", "flower", "akiya", "festival", "noh"),
             ("高原上区", "高原下区", "湯ノ沢区", "峠区", "牧場区", "白樺自治会")),
)

#: Which districts border each other (symmetric).
ADJACENCY: tuple[tuple[str, str], ...] = (
    ("中央", "北山"), ("中央", "東町"), ("中央", "西原"), ("中央", "南台"),
    ("北山", "桜丘"), ("北山", "川辺"), ("東町", "桜丘"), ("東町", "緑が丘"), ("東町", "高原"),
    ("西原", "川辺"), ("西原", "田園"), ("南台", "緑が丘"), ("南台", "田園"),
    ("桜丘", "高原"), ("緑が丘", "高原"),
)


@dataclass(frozen=True)
class Cast:
    """One hand-written organization: the generator adds area, dates, ids and texts."""

    name: str
    kana: str | None
    subtype: str
    themes: tuple[str, ...]
    area: str | None = None  # None: the generator picks one
    citywide: bool = False  # works across the whole city (area affinity does not apply)
    corporate: bool = False  # a legal person with a 法人番号


C = Cast

NPOS: tuple[Cast, ...] = (
    C("NPO法人結野子ども食堂ネットワーク", "ゆいのこどもしょくどうねっとわーく", "NPO法人",
      ("kodomo", "study"), "東町", True, True),
    C("みどりが丘こども食堂ひだまり", "みどりがおかこどもしょくどうひだまり", "ボランティア団体",
      ("kodomo",), "緑が丘"),
    C("南台見守りボランティアの会", "みなみだいみまもりぼらんてぃあのかい", "ボランティア団体",
      ("watch", "dementia"), "南台"),
    C("川辺の自然と環境を守る会", "かわべのしぜんとかんきょうをまもるかい", "任意団体",
      ("river", "arechiuri"), "川辺"),
    C("NPO法人結野環境ネット", "ゆいのかんきょうねっと", "NPO法人", ("recycle", "river"),
      "西原", False, True),
    C("北山薪能保存会", "きたやまたきぎのうほぞんかい", "伝統芸能保存会", ("noh",), "北山"),
    C("結野市国際交流協会", "ゆいのしこくさいこうりゅうきょうかい", "任意団体", ("intl",),
      "中央", True),
    C("NPO法人多文化共生ゆいの", "たぶんかきょうせいゆいの", "NPO法人", ("intl", "study"),
      "東町", False, True),
    C("結野市PTA連合会", "ゆいのしぴーてぃーえーれんごうかい", "PTA", ("patrol", "study"),
      "中央", True),
    C("結野市老人クラブ連合会", "ゆいのしろうじんくらぶれんごうかい", "老人クラブ",
      ("health", "watch"), "南台", True),
    C("結野市子ども会育成連絡協議会", "ゆいのしこどもかいいくせいれんらくきょうぎかい", "子ども会",
      ("recycle", "festival"), "中央", True),
    C("結野市体育協会", "ゆいのしたいいくきょうかい", "体育協会", ("health",), "中央", True),
    C("結野市女性団体連絡協議会", "ゆいのしじょせいだんたいれんらくきょうぎかい", "女性団体",
      ("local_food", "watch"), "中央", True),
    C("NPO法人ゆいの防災ネット", "ゆいのぼうさいねっと", "NPO法人", ("bousai",), "川辺",
      False, True),
    C("花街道をつくる会", "はなかいどうをつくるかい", "任意団体", ("flower",), "北山"),
    C("高原の花と景観を守る会", "たかはらのはなとけいかんをまもるかい", "任意団体",
      ("flower", "festival"), "高原"),
    C("NPO法人田園ファーム", "でんえんふぁーむ", "NPO法人", ("local_food", "akiya"), "田園",
      False, True),
    C("田園アレチウリ駆除隊", "でんえんあれちうりくじょたい", "ボランティア団体", ("arechiuri",),
      "田園"),
    C("NPO法人認知症サポートゆいの", "にんちしょうさぽーとゆいの", "NPO法人",
      ("dementia", "watch"), "南台", False, True),
    C("NPO法人ゆいの市民活動サポートセンター", "ゆいのしみんかつどうさぽーとせんたー", "NPO法人",
      ("org_support",), "中央", True, True),
    C("ゆいのおやこ広場", "ゆいのおやこひろば", "子育てサークル", ("kodomo", "study"), "緑が丘"),
    C("NPO法人学びの森", "まなびのもり", "NPO法人", ("study",), "桜丘", False, True),
    C("ゆいのスマホサポート隊", "ゆいのすまほさぽーとたい", "ボランティア団体", ("digital",),
      "桜丘"),
    C("空き家活用ネットワーク結野", "あきやかつようねっとわーくゆいの", "任意団体", ("akiya",),
      "中央"),
    C("東町商店街夏祭り実行委員会", "ひがしまちしょうてんがいなつまつりじっこういいんかい",
      "実行委員会", ("festival",), "東町"),
    C("NPO法人ゆいの健康づくりクラブ", "ゆいのけんこうづくりくらぶ", "NPO法人", ("health",),
      "南台", False, True),
    C("西原防犯パトロール隊", "にしはらぼうはんぱとろーるたい", "ボランティア団体", ("patrol",),
      "西原"),
    C("緑が丘見守り隊", "みどりがおかみまもりたい", "ボランティア団体", ("patrol", "watch"),
      "緑が丘"),
    C("高原観光ボランティアガイドの会", "たかはらかんこうぼらんてぃあがいどのかい",
      "ボランティア団体", ("festival", "noh"), "高原"),
    C("結野太鼓保存会", "ゆいのだいこほぞんかい", "伝統芸能保存会", ("festival", "noh"), "高原"),
    C("NPO法人ひまわり就労支援センター", "ひまわりしゅうろうしえんせんたー", "NPO法人",
      ("local_food", "recycle"), "西原", False, True),
    C("フードバンクゆいの", "ふーどばんくゆいの", "任意団体", ("kodomo",), "中央", True),
    C("日本語教室にじ", "にほんごきょうしつにじ", "ボランティア団体", ("intl",), "東町"),
    C("ゆいの広報デザイン部", "ゆいのこうほうでざいんぶ", "ボランティア団体",
      ("org_support", "festival"), "桜丘"),
    C("川辺ホタルの里づくりの会", "かわべほたるのさとづくりのかい", "任意団体", ("river",),
      "川辺"),
    C("NPO法人ゆいの森林クラブ", "ゆいのしんりんくらぶ", "NPO法人", ("arechiuri", "recycle"),
      "北山", False, True),
    C("傾聴ボランティアこだま", "けいちょうぼらんてぃあこだま", "ボランティア団体",
      ("watch", "dementia"), "中央"),
    C("結野市青少年育成市民会議", "ゆいのしせいしょうねんいくせいしみんかいぎ", "青少年育成団体",
      ("patrol", "study"), "中央", True),
    C("NPO法人子育て応援ゆいの", "こそだておうえんゆいの", "NPO法人", ("kodomo", "study"),
      "桜丘", False, True),
    C("南台ふれあいサロンの会", "みなみだいふれあいさろんのかい", "任意団体",
      ("health", "dementia"), "南台"),
)

BUSINESSES: tuple[Cast, ...] = (
    C("株式会社結野建設", "ゆいのけんせつ", "建設会社", ("river", "bousai", "akiya"), "西原",
      False, True),
    C("丸山建設工業株式会社", "まるやまけんせつこうぎょう", "建設会社", ("arechiuri", "river"),
      "田園", False, True),
    C("結野信用金庫", "ゆいのしんようきんこ", "金融機関", ("org_support", "festival"), "中央",
      True, True),
    C("株式会社あおば銀行結野支店", "あおばぎんこうゆいのしてん", "金融機関",
      ("org_support", "digital"), "中央", True, True),
    C("結野農業協同組合（JA結野）", "ゆいののうぎょうきょうどうくみあい", "農協",
      ("local_food", "kodomo", "arechiuri"), "田園", True, True),
    C("生活協同組合コープゆいの", "せいかつきょうどうくみあいこーぷゆいの", "生協",
      ("watch", "kodomo", "local_food"), "東町", True, True),
    C("株式会社アオバシステムズ", "あおばしすてむず", "IT企業", ("digital", "bousai"), "桜丘",
      False, True),
    C("株式会社ゆいのデータラボ", "ゆいのでーたらぼ", "IT企業", ("bousai", "digital", "akiya"),
      "中央", False, True),
    C("株式会社ケアサポート南台", "けあさぽーとみなみだい", "介護事業所", ("dementia", "watch"),
      "南台", False, True),
    C("医療法人結野南クリニック", "ゆいのみなみくりにっく", "医療機関", ("dementia", "health"),
      "南台", False, True),
    C("結野ライオンズクラブ", "ゆいのらいおんずくらぶ", "奉仕団体", ("kodomo", "festival"),
      "中央", True),
    C("結野ロータリークラブ", "ゆいのろーたりーくらぶ", "奉仕団体", ("intl", "study"), "中央",
      True),
    C("結野商工会議所", "ゆいのしょうこうかいぎしょ", "商工会議所",
      ("festival", "akiya", "org_support"), "中央", True, True),
    C("一般社団法人結野青年会議所", "ゆいのせいねんかいぎしょ", "青年会議所",
      ("festival", "bousai"), "中央", True, True),
    C("東町駅前商店街振興組合", "ひがしまちえきまえしょうてんがいしんこうくみあい", "商店街",
      ("festival", "patrol"), "東町", False, True),
    C("丸山商店", "まるやましょうてん", "商店", ("watch", "festival"), "北山"),
    C("株式会社やまびこ印刷", "やまびこいんさつ", "印刷会社", ("festival", "org_support"),
      "東町", False, True),
    C("デザインオフィス・ソラ", "でざいんおふぃすそら", "デザイン事務所",
      ("festival", "org_support"), "桜丘"),
    C("結野緑化造園株式会社", "ゆいのりょくかぞうえん", "造園会社", ("flower", "arechiuri"),
      "北山", False, True),
    C("株式会社ホームプラザ結野店", "ほーむぷらざゆいのてん", "小売業",
      ("flower", "recycle", "bousai"), "西原", False, True),
    C("株式会社スーパーいちば緑が丘店", "すーぱーいちばみどりがおかてん", "小売業",
      ("kodomo", "local_food", "recycle"), "緑が丘", False, True),
    C("結野交通株式会社", "ゆいのこうつう", "交通事業者", ("watch", "patrol"), "中央", True,
      True),
    C("ゆいの新聞販売センター", "ゆいのしんぶんはんばいせんたー", "新聞販売店",
      ("watch", "patrol"), "南台", False, True),
    C("高原ホテル株式会社", "たかはらほてる", "宿泊業", ("festival", "noh", "intl"), "高原",
      False, True),
    C("株式会社北山酒造", "きたやましゅぞう", "製造業", ("noh", "local_food"), "北山", False,
      True),
    C("結野精密工業株式会社", "ゆいのせいみつこうぎょう", "製造業", ("recycle", "river", "study"),
      "西原", False, True),
    C("結野ガス株式会社", "ゆいのがす", "エネルギー", ("bousai", "recycle"), "西原", True, True),
    C("税理士法人みらい会計", "みらいかいけい", "士業", ("org_support",), "中央", False, True),
    C("結野中央法律事務所", "ゆいのちゅうおうほうりつじむしょ", "法律事務所",
      ("org_support", "intl"),
      "中央"),
    C("株式会社ゆいの不動産", "ゆいのふどうさん", "不動産業", ("akiya",), "中央", False, True),
    C("一級建築士事務所アトリエ緑", "あとりえみどり", "建築設計事務所", ("akiya", "bousai"),
      "緑が丘"),
    C("株式会社さくら薬局", "さくらやっきょく", "薬局", ("health", "dementia"), "桜丘", False,
      True),
    C("株式会社ゆいの給食センター", "ゆいのきゅうしょくせんたー", "給食事業者",
      ("kodomo", "local_food"), "西原", False, True),
    C("株式会社グローバルリンク結野", "ぐろーばるりんくゆいの", "翻訳会社", ("intl",), "東町",
      False, True),
    C("株式会社でんえん農産", "でんえんのうさん", "農業法人", ("local_food", "arechiuri"),
      "田園", False, True),
    C("結野ケーブルテレビ株式会社", "ゆいのけーぶるてれび", "放送・通信",
      ("festival", "digital", "bousai"), "中央", True, True),
    C("株式会社ヘルスフィット", "へるすふぃっと", "フィットネスクラブ", ("health",), "緑が丘",
      False, True),
    C("株式会社ゆいのリサイクルセンター", "ゆいのりさいくるせんたー", "廃棄物処理業",
      ("recycle", "river"), "西原", False, True),
    C("株式会社かわべ福祉サービス", "かわべふくしさーびす", "介護事業所",
      ("watch", "dementia", "health"), "川辺", False, True),
    C("一般社団法人結野観光協会", "ゆいのかんこうきょうかい", "観光協会",
      ("festival", "noh", "flower"), "高原", True, True),
)

SCHOOLS: tuple[Cast, ...] = (
    C("学校法人ゆいの学園 結野中央幼稚園", "ゆいのちゅうおうようちえん", "幼稚園",
      ("flower", "local_food"), "中央", False, True),
    C("学校法人若葉学園 緑が丘幼稚園", "みどりがおかようちえん", "幼稚園", ("kodomo", "flower"),
      "緑が丘", False, True),
    C("結野市立ひかり保育園", "ゆいのしりつひかりほいくえん", "保育園", ("local_food", "flower"),
      "東町"),
    C("結野市立南台保育園", "ゆいのしりつみなみだいほいくえん", "保育園", ("health", "watch"),
      "南台"),
    C("結野市立中央小学校", "ゆいのしりつちゅうおうしょうがっこう", "小学校",
      ("patrol", "recycle", "study"), "中央"),
    C("結野市立北山小学校", "ゆいのしりつきたやましょうがっこう", "小学校", ("noh", "flower"),
      "北山"),
    C("結野市立東町小学校", "ゆいのしりつひがしまちしょうがっこう", "小学校", ("intl", "patrol"),
      "東町"),
    C("結野市立川辺小学校", "ゆいのしりつかわべしょうがっこう", "小学校", ("river", "bousai"),
      "川辺"),
    C("結野市立緑が丘小学校", "ゆいのしりつみどりがおかしょうがっこう", "小学校",
      ("patrol", "study", "kodomo"), "緑が丘"),
    C("結野市立田園小学校", "ゆいのしりつでんえんしょうがっこう", "小学校",
      ("local_food", "arechiuri"), "田園"),
    C("結野市立第一中学校", "ゆいのしりつだいいちちゅうがっこう", "中学校", ("bousai", "recycle"),
      "中央"),
    C("結野市立南台中学校", "ゆいのしりつみなみだいちゅうがっこう", "中学校",
      ("watch", "bousai", "health"), "南台"),
    C("結野市立桜丘中学校", "ゆいのしりつさくらがおかちゅうがっこう", "中学校", ("study", "intl"),
      "桜丘"),
    C("結野市立高原中学校", "ゆいのしりつたかはらちゅうがっこう", "中学校",
      ("noh", "festival", "local_food"), "高原"),
    C("県立結野高等学校", "けんりつゆいのこうとうがっこう", "高等学校",
      ("festival", "intl", "bousai"), "中央"),
    C("県立結野農業高等学校", "けんりつゆいののうぎょうこうとうがっこう", "高等学校",
      ("local_food", "flower", "arechiuri"), "田園"),
    C("県立結野工業高等学校", "けんりつゆいのこうぎょうこうとうがっこう", "高等学校",
      ("digital", "akiya", "recycle"), "西原"),
    C("県立結野特別支援学校", "けんりつゆいのとくべつしえんがっこう", "特別支援学校",
      ("recycle", "health"), "西原"),
    C("学校法人結野学院 結野医療福祉専門学校", "ゆいのいりょうふくしせんもんがっこう", "専門学校",
      ("dementia", "health"), "南台", False, True),
    C("学校法人結野学院 結野学園大学", "ゆいのがくえんだいがく", "大学",
      ("bousai", "intl", "study", "digital", "akiya"), "桜丘", True, True),
)

DEPARTMENTS: tuple[Cast, ...] = (
    C("結野市 市民協働課", "ゆいのし しみんきょうどうか", "市役所", ("org_support", "festival")),
    C("結野市 危機管理課", "ゆいのし ききかんりか", "市役所", ("bousai", "patrol")),
    C("結野市 環境政策課", "ゆいのし かんきょうせいさくか", "市役所",
      ("river", "arechiuri", "recycle")),
    C("結野市 高齢者福祉課", "ゆいのし こうれいしゃふくしか", "市役所", ("watch", "dementia")),
    C("結野市 子ども未来課", "ゆいのし こどもみらいか", "市役所", ("kodomo", "study")),
    C("結野市 生涯学習課", "ゆいのし しょうがいがくしゅうか", "市役所", ("noh", "study", "intl")),
    C("結野市 商工観光課", "ゆいのし しょうこうかんこうか", "市役所",
      ("festival", "akiya", "flower")),
    C("結野市 農林課", "ゆいのし のうりんか", "市役所", ("local_food", "arechiuri")),
    C("結野市 健康づくり課", "ゆいのし けんこうづくりか", "市役所", ("health", "dementia")),
    C("結野市 企画政策課", "ゆいのし きかくせいさくか", "市役所", ("intl", "digital", "akiya")),
)

WELFARE = C("社会福祉法人結野市社会福祉協議会", "ゆいのししゃかいふくしきょうぎかい",
            "社会福祉協議会", ("watch", "dementia", "kodomo", "bousai", "org_support"), "中央",
            True, True)

ID_PREFIX = {
    SEC.ASSOCIATION: "demo-assoc", SEC.NPO: "demo-npo", SEC.BUSINESS: "demo-biz",
    SEC.SCHOOL: "demo-school", SEC.GOVERNMENT: "demo-city", SEC.WELFARE: "demo-welfare",
}

#: how strongly a lead of one sector looks for partners of another (sector complementarity)
SECTOR_AFFINITY: dict[Sector, dict[Sector, float]] = {
    SEC.ASSOCIATION: {SEC.ASSOCIATION: 0.5, SEC.NPO: 1.0, SEC.BUSINESS: 1.4, SEC.SCHOOL: 1.3,
                      SEC.GOVERNMENT: 0.9, SEC.WELFARE: 1.6},
    SEC.NPO: {SEC.ASSOCIATION: 1.3, SEC.NPO: 0.6, SEC.BUSINESS: 1.4, SEC.SCHOOL: 1.0,
              SEC.GOVERNMENT: 0.9, SEC.WELFARE: 1.0},
    SEC.SCHOOL: {SEC.ASSOCIATION: 1.6, SEC.NPO: 1.0, SEC.BUSINESS: 1.0, SEC.SCHOOL: 0.3,
                 SEC.GOVERNMENT: 0.5, SEC.WELFARE: 0.6},
    SEC.BUSINESS: {SEC.ASSOCIATION: 1.4, SEC.NPO: 1.4, SEC.BUSINESS: 0.3, SEC.SCHOOL: 1.1,
                   SEC.GOVERNMENT: 0.7, SEC.WELFARE: 1.0},
    SEC.GOVERNMENT: {SEC.ASSOCIATION: 1.1, SEC.NPO: 1.6, SEC.BUSINESS: 0.9, SEC.SCHOOL: 0.7,
                     SEC.GOVERNMENT: 0.1, SEC.WELFARE: 1.2},
    SEC.WELFARE: {SEC.ASSOCIATION: 2.0, SEC.NPO: 1.2, SEC.BUSINESS: 0.8, SEC.SCHOOL: 0.6,
                  SEC.GOVERNMENT: 0.9, SEC.WELFARE: 0.0},
}
#: how often an organization of a sector leads a collaboration (relative)
LEAD_WEIGHT: dict[Sector, float] = {
    SEC.ASSOCIATION: 1.0, SEC.NPO: 1.3, SEC.SCHOOL: 0.6, SEC.BUSINESS: 0.3,
    SEC.GOVERNMENT: 0.5, SEC.WELFARE: 2.0,
}
#: collaborations started in each fiscal year before noise (the network grows)
COLLABS_PER_YEAR = (16, 22, 29, 38, 48, 60)
#: share of partners drawn uniformly at random (noise the matcher cannot learn)
RANDOM_PARTNER_SHARE = 0.08


# --------------------------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------------------------


@dataclass
class DemoCity:
    """Every record of the demo city, by kind, in the order they can be loaded."""

    seed: int
    areas: list[Area] = field(default_factory=list)
    organizations: list[Organization] = field(default_factory=list)
    needs: list[Need] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    collaborations: list[Collaboration] = field(default_factory=list)
    interests: list[Interest] = field(default_factory=list)
    #: the themes (``ingest.demo_text.THEMES`` keys) each organization works on
    org_themes: dict[str, tuple[str, ...]] = field(default_factory=dict)

    #: kinds in valid reference order (a record only points at kinds listed before it)
    KINDS = ("areas", "organizations", "needs", "offers", "suggestions", "collaborations",
             "interests")

    def by_kind(self) -> dict[str, list[Record]]:
        """{attribute name: records} in load order."""
        return {k: list(getattr(self, k)) for k in self.KINDS}

    def records(self) -> list[Record]:
        """All records in valid reference order."""
        return [r for recs in self.by_kind().values() for r in recs]

    def counts(self) -> dict[str, int]:
        return {k: len(getattr(self, k)) for k in self.KINDS}

    def neighbours(self) -> dict[str, set[str]]:
        """{area name: neighbouring area names}."""
        return {a.id: set(a.neighbours) for a in self.areas}

    def to_json(self) -> str:
        """The whole city as one canonical JSON text (equal seeds give equal bytes)."""
        data = {k: [r.model_dump(mode="json") for r in recs] for k, recs in self.by_kind().items()}
        return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=None)


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------


@dataclass
class _Org:
    """Generator-side state of an organization (not stored)."""

    id: str
    sector: Sector
    subtype: str
    area: str
    themes: tuple[str, ...]
    citywide: bool
    joined: date  # when it entered the city's register and could start collaborating
    activity: float  # propensity to collaborate; 0 for organizations that never do
    fields: list[str]
    rec: Organization | None = None


@dataclass
class _Collab:
    id: str
    fy: int
    theme: str
    lead: str
    partners: list[str]
    starts: date
    ends: date
    form: CollaborationForm
    roles: dict[str, str]
    status: CollaborationStatus
    need_ids: list[str] = field(default_factory=list)
    suggestion_id: str | None = None
    quality: float = 3.5


def _utc(d: date, hour: int = 9) -> datetime:
    return datetime.combine(d, time(hour, 0), tzinfo=UTC)


def _fy_start(fy: int) -> date:
    return date(fy, 4, 1)


def _rand_date(rng: random.Random, start: date, end: date) -> date:
    span = (end - start).days
    return start + timedelta(days=rng.randint(0, max(span, 0)))


def corporate_number(rng: random.Random) -> str:
    """A 13-digit 法人番号 with a valid check digit (first digit), as the NTA defines it."""
    base = [rng.randint(0, 9) for _ in range(12)]
    base[0] = rng.randint(1, 9)
    total = sum(d * (1 if i % 2 == 0 else 2) for i, d in enumerate(reversed(base)))
    check = 9 - total % 9
    return f"{check}{''.join(map(str, base))}"


def is_valid_corporate_number(number: str) -> bool:
    """Check a 13-digit 法人番号's check digit."""
    if len(number) != 13 or not number.isdigit():
        return False
    digits = [int(c) for c in number[1:]]
    total = sum(d * (1 if i % 2 == 0 else 2) for i, d in enumerate(reversed(digits)))
    return int(number[0]) == 9 - total % 9


def _fields_of(themes: Iterable[str]) -> list[str]:
    out: set[str] = set()
    for t in themes:
        out.update(txt.THEMES_BY_KEY[t].fields[:2])
    return sorted(out)


def _who(org: _Org) -> str:
    return txt.WHO.get(org.subtype) or txt.WHO.get(org.sector.value, "メンバー")


def _fmt(text: str, org: _Org, rng: random.Random) -> str:
    return text.format(area=org.area, who=_who(org), n=rng.choice((5, 10, 15, 20, 30)))


class _Generator:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.orgs: list[_Org] = []
        self.by_id: dict[str, _Org] = {}
        self.neigh: dict[str, set[str]] = defaultdict(set)
        for a, b in ADJACENCY:
            self.neigh[a].add(b)
            self.neigh[b].add(a)
        self.needs: list[Need] = []
        self.offers: list[Offer] = []
        self.standing_needs: dict[tuple[str, str], str] = {}  # (org, theme) -> need id
        self.need_by_id: dict[str, Need] = {}
        self.collabs: list[_Collab] = []
        self.ties: dict[frozenset[str], list[float]] = defaultdict(list)  # pair -> qualities
        self.partners_of: dict[str, set[str]] = defaultdict(set)

    # -- areas --------------------------------------------------------------------------------

    def areas(self) -> list[Area]:
        out = []
        for d in DISTRICTS:
            out.append(Area(
                id=d.name, name=d.name, name_kana=d.kana, neighbours=sorted(self.neigh[d.name]),
                lat=round(CENTER_LAT + d.y_km / 111.0, 5),
                lon=round(CENTER_LON + d.x_km / (111.0 * math.cos(math.radians(CENTER_LAT))), 5),
                created_at=_utc(date(FIRST_FY, 4, 1)),
            ))
        return out

    # -- organizations ------------------------------------------------------------------------

    def _join_date(self, sector: Sector, citywide: bool) -> date:
        """When an organization enters the register: most at the start, more joining later."""
        rng = self.rng
        if sector in (SEC.GOVERNMENT, SEC.WELFARE):
            return date(FIRST_FY, 4, 1)
        p_first = {SEC.ASSOCIATION: 0.5, SEC.NPO: 0.35, SEC.BUSINESS: 0.3, SEC.SCHOOL: 0.5}[sector]
        if citywide:
            p_first += 0.25
        if rng.random() < p_first:
            fy = FIRST_FY
        else:
            fy = rng.choices(FISCAL_YEARS[1:], weights=(2, 3, 3, 3, 2))[0]
        return _rand_date(rng, _fy_start(fy), _fy_start(fy) + timedelta(days=300))

    def _activity(self, sector: Sector, citywide: bool) -> float:
        rng = self.rng
        never = {SEC.ASSOCIATION: 0.12, SEC.NPO: 0.06, SEC.BUSINESS: 0.12, SEC.SCHOOL: 0.06,
                 SEC.GOVERNMENT: 0.0, SEC.WELFARE: 0.0}[sector]
        if rng.random() < never:
            return 0.0
        base = rng.lognormvariate(0.0, 0.55)
        if sector == SEC.GOVERNMENT:
            base *= 0.9
        if citywide:
            base *= 1.2
        return round(base, 4)

    def _add_org(self, sector: Sector, cast: Cast, area: str, n: int) -> _Org:
        rng = self.rng
        org_id = f"{ID_PREFIX[sector]}-{n:03d}"
        joined = self._join_date(sector, cast.citywide)
        org = _Org(
            id=org_id, sector=sector, subtype=cast.subtype, area=area, themes=cast.themes,
            citywide=cast.citywide or sector in (SEC.GOVERNMENT, SEC.WELFARE),
            joined=joined, activity=self._activity(sector, cast.citywide),
            fields=_fields_of(cast.themes),
        )
        if sector == SEC.NPO and rng.random() < 0.5:
            org.fields = sorted(set(org.fields) | {"19"} if "org_support" in cast.themes
                                else set(org.fields) | {rng.choice(("02", "03"))})
        founded = self._founded(sector, cast, joined)
        slug = org_id.replace("demo-", "")
        has_contact = sector != SEC.ASSOCIATION or rng.random() < 0.4
        rec = Organization(
            id=org_id,
            name=cast.name,
            name_kana=cast.kana,
            sector=sector,
            subtype=cast.subtype,
            area=area,
            description=self._org_description(org, cast, founded),
            fields=org.fields,
            corporate_number=corporate_number(rng) if cast.corporate else None,
            founded=founded,
            website=f"https://{slug}.example.jp" if sector != SEC.ASSOCIATION else None,
            contact_name=f"{rng.choice(txt.FAMILY_NAMES)} {rng.choice(txt.GIVEN_NAMES)}"
            if has_contact else None,
            contact_email=f"info@{slug}.example.jp" if has_contact else None,
            contact_phone=f"0000-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"
            if has_contact else None,
            created_at=_utc(joined),
        )
        org.rec = rec
        self.orgs.append(org)
        self.by_id[org_id] = org
        return org

    def _founded(self, sector: Sector, cast: Cast, joined: date) -> date | None:
        rng = self.rng
        if sector == SEC.GOVERNMENT:
            return None
        if sector == SEC.ASSOCIATION:
            lo, hi = date(1950, 4, 1), date(1995, 3, 31)
        elif sector == SEC.NPO:
            lo, hi = date(1999, 4, 1), min(joined, date(2024, 3, 31))
        elif sector == SEC.SCHOOL:
            lo, hi = date(1900, 4, 1), date(2005, 3, 31)
        elif sector == SEC.WELFARE:
            lo, hi = date(1955, 4, 1), date(1965, 3, 31)
        else:
            lo, hi = date(1948, 4, 1), min(joined, date(2018, 3, 31))
        d = _rand_date(rng, lo, hi)
        return date(d.year, 4, 1) if cast.subtype in txt.WHO and sector == SEC.SCHOOL else d

    def _org_description(self, org: _Org, cast: Cast, founded: date | None) -> str:
        rng = self.rng
        names = "、".join(txt.THEMES_BY_KEY[t].name for t in cast.themes)
        where = "市内全域" if org.citywide else f"{org.area}地区"
        year = founded.year if founded else None
        s = org.sector
        if s == SEC.ASSOCIATION:
            return (f"{org.area}地区の住民でつくる{cast.subtype}。{year}年に発足し、約"
                    f"{rng.randrange(60, 900, 10)}世帯が加入している。{names}などに取り組み、"
                    "回覧板や総会で住民の声をまとめている。")
        if s == SEC.NPO:
            return (f"{where}で{names}に取り組む{cast.subtype}。{year}年設立、会員は約"
                    f"{rng.randrange(10, 150, 5)}人。会員とボランティアが活動を支えている。")
        if s == SEC.BUSINESS:
            return (f"{where}で事業を営む{cast.subtype}（{year}年創業、従業員約"
                    f"{rng.choice((5, 12, 30, 45, 80, 150, 300))}人）。本業の強みを生かし、"
                    f"{names}などの地域貢献に取り組んでいる。")
        if s == SEC.SCHOOL:
            pupils = {"幼稚園": "園児", "保育園": "園児", "大学": "学生", "専門学校": "学生",
                      "小学校": "児童"}.get(cast.subtype, "生徒")
            size = rng.randrange(40, 300, 10) if pupils == "園児" else rng.randrange(120, 1200, 20)
            return (f"{org.area}地区の{cast.subtype}（{pupils}数約{size}人）。地域と連携した"
                    f"{names}の学びに力を入れている。")
        if s == SEC.GOVERNMENT:
            return f"{CITY}の担当課。{names}に関する施策と、市民・団体との協働を担当している。"
        return (f"{CITY}の社会福祉協議会（{year}年設立）。ボランティアセンターを運営し、{names}など"
                "地域福祉の活動を区・自治会や市民団体と進めている。")

    def organizations(self) -> None:
        rng = self.rng
        n = 0
        for d in DISTRICTS:
            n += 1
            council = Cast(f"{d.name}地区地域づくり協議会", f"{d.kana}ちくちいきづくりきょうぎかい",
                           "地域づくり協議会", tuple(rng.sample(d.themes, 3)))
            self._add_org(SEC.ASSOCIATION, council, d.name, n)
            for name in sorted(rng.sample(d.associations, rng.choice((4, 5, 5, 6)))):
                n += 1
                subtype = "自治会" if name.endswith("自治会") else (
                    "町内会" if name.endswith("町内会") else "区")
                k = rng.choice((1, 2, 2, 3))
                themes = tuple(rng.sample(d.themes, min(k, len(d.themes))))
                if rng.random() < 0.25:  # some associations care about something else too
                    themes += (rng.choice(("watch", "bousai", "festival", "patrol")),)
                self._add_org(SEC.ASSOCIATION, Cast(name, None, subtype, tuple(dict.fromkeys(
                    themes))), d.name, n)
        districts = [d.name for d in DISTRICTS]
        for sector, casts in ((SEC.NPO, NPOS), (SEC.BUSINESS, BUSINESSES), (SEC.SCHOOL, SCHOOLS),
                              (SEC.GOVERNMENT, DEPARTMENTS)):
            for i, cast in enumerate(casts, start=1):
                self._add_org(sector, cast, cast.area or ("中央" if sector == SEC.GOVERNMENT
                                                           else rng.choice(districts)), i)
        self._add_org(SEC.WELFARE, WELFARE, "中央", 1)

    # -- needs and offers ---------------------------------------------------------------------

    def _need(self, org: _Org, theme_key: str, posted: date, *, title_suffix: str = "",
              starts: date | None = None, ends: date | None = None) -> Need:
        rng = self.rng
        theme = txt.THEMES_BY_KEY[theme_key]
        tpl = rng.choice(theme.needs)
        need = Need(
            id=f"demo-need-{len(self.needs) + 1:04d}",
            org_id=org.id,
            title=_fmt(tpl.title, org, rng) + title_suffix,
            description=_fmt(tpl.body, org, rng),
            fields=list(theme.fields),
            resource_kinds=list(tpl.kinds),
            skills=list(tpl.skills),
            area=None if org.citywide else org.area,
            starts=starts or posted,
            ends=ends,
            status=NeedStatus.OPEN,
            visibility=Visibility.COORDINATORS if rng.random() < 0.1 else Visibility.PUBLIC,
            created_at=_utc(posted, 10),
        )
        self.needs.append(need)
        self.need_by_id[need.id] = need
        return need

    def _offer(self, org: _Org, tpl: txt.Template, fields: Sequence[str], posted: date) -> Offer:
        rng = self.rng
        offer = Offer(
            id=f"demo-offer-{len(self.offers) + 1:04d}",
            org_id=org.id,
            title=_fmt(tpl.title, org, rng),
            description=_fmt(tpl.body, org, rng),
            fields=list(fields),
            resource_kinds=list(tpl.kinds),
            skills=list(tpl.skills),
            area=None if org.citywide else org.area,
            capacity=rng.choice(txt.CAPACITIES),
            availability=rng.choice(txt.AVAILABILITIES),
            created_at=_utc(posted, 11),
        )
        self.offers.append(offer)
        return offer

    def standing(self) -> None:
        """Each organization's standing needs and offers, posted soon after it joined."""
        rng = self.rng
        n_needs = {SEC.ASSOCIATION: (1, 2, 2, 3), SEC.NPO: (1, 2, 2, 3), SEC.SCHOOL: (0, 1, 1, 2),
                   SEC.BUSINESS: (0, 0, 0, 1), SEC.GOVERNMENT: (0, 1), SEC.WELFARE: (3,)}
        n_offers = {SEC.ASSOCIATION: (0, 0, 0, 1), SEC.NPO: (0, 1, 1), SEC.SCHOOL: (1, 1, 2),
                    SEC.BUSINESS: (1, 2, 2, 3), SEC.GOVERNMENT: (1, 2), SEC.WELFARE: (3,)}
        for org in self.orgs:

            def posted(org: _Org = org) -> date:
                return org.joined + timedelta(days=rng.randint(0, 120))

            k = min(rng.choice(n_needs[org.sector]), len(org.themes))
            for theme in rng.sample(org.themes, k):
                need = self._need(org, theme, posted())
                self.standing_needs[(org.id, theme)] = need.id
            k = rng.choice(n_offers[org.sector])
            if org.sector in (SEC.BUSINESS, SEC.WELFARE, SEC.GOVERNMENT):  # offers cover their work
                k = max(k, len(org.themes))
            themed = min(k, len(org.themes))
            for theme in rng.sample(org.themes, themed):
                t = txt.THEMES_BY_KEY[theme]
                options = [o for o in t.offers if o.fits(org.sector.value, org.subtype)]
                if options:  # e.g. a patrol group has nothing of its patrol work to offer
                    self._offer(org, rng.choice(options), t.fields, posted())
            generic = txt.GENERIC_OFFERS.get(org.sector.value, ())
            if generic and (k > themed or org.sector in (SEC.BUSINESS, SEC.GOVERNMENT)
                            and rng.random() < 0.6):
                self._offer(org, rng.choice(generic), org.fields[:2], posted())

    # -- collaborations -----------------------------------------------------------------------

    def _candidates_score(self, lead: _Org, theme: str, pool: Sequence[_Org],
                          chosen: Sequence[str]) -> tuple[list[_Org], list[float]]:
        """The organizations that could join as partners now, and their weights."""
        rng = self.rng
        theme_fields = set(txt.THEMES_BY_KEY[theme].fields)
        lead_partners = self.partners_of[lead.id]
        near = self.neigh[lead.area]
        candidates = [c for c in pool if c.activity > 0 and c.id != lead.id
                      and c.id not in chosen]
        scores = []
        for c in candidates:
            s = SECTOR_AFFINITY[lead.sector][c.sector] * c.activity
            if c.citywide or lead.citywide:
                pass
            elif c.area == lead.area:
                s *= 4.5
            elif c.area in near:
                s *= 1.8
            else:
                s *= 0.08
            if theme in c.themes:
                s *= 4.0
            elif theme_fields.isdisjoint(c.fields):
                s *= 0.2
            past = self.ties.get(frozenset((lead.id, c.id)))
            if past:
                mean_q = sum(past) / len(past)
                s *= 1.0 + 1.4 * min(len(past), 3) * max(mean_q - 2.0, 0.2) / 1.5
            elif not lead_partners.isdisjoint(self.partners_of.get(c.id, ())):
                s *= 1.7
            for other in chosen:  # triadic closure among the partners of one collaboration
                if frozenset((other, c.id)) in self.ties:
                    s *= 1.3
            scores.append(s * math.exp(0.5 * rng.gauss(0.0, 1.0)))
        return candidates, scores

    def _pick_partners(self, lead: _Org, theme: str, pool: Sequence[_Org], k: int) -> list[str]:
        rng = self.rng
        chosen: list[str] = []
        for _ in range(k):
            if rng.random() < RANDOM_PARTNER_SHARE:
                options = [o for o in pool if o.id != lead.id and o.id not in chosen
                           and o.activity > 0]
                if options:
                    chosen.append(rng.choice(options).id)
                continue
            candidates, scores = self._candidates_score(lead, theme, pool, chosen)
            if sum(scores) <= 0:
                break
            chosen.append(rng.choices(candidates, weights=scores)[0].id)
        return chosen

    def _city_partner(self, lead: _Org, theme: str, partners: list[str]
                      ) -> CollaborationForm | None:
        """Bring in the city department in charge, as the plans describe: the city adopts
        flower roads and riverbanks with residents (アドプト), and grants civic projects.

        Appends the department to ``partners`` and returns the form it implies, or ``None``.
        """
        rng = self.rng
        if lead.sector not in (SEC.ASSOCIATION, SEC.NPO):
            return None
        depts = [o for o in self.orgs if o.sector == SEC.GOVERNMENT and theme in o.themes
                 and o.id not in partners]
        if theme in ("flower", "river") and depts and rng.random() < 0.3:
            partners.append(rng.choice(depts).id)
            return CollaborationForm.ADOPTION
        if rng.random() < 0.04:
            funders = depts or [o for o in self.orgs if o.sector == SEC.GOVERNMENT
                                and "org_support" in o.themes and o.id not in partners]
            if funders:
                partners.append(rng.choice(funders).id)
                return CollaborationForm.GRANT
        return None

    def _form_and_roles(self, lead: _Org, theme: str, partners: list[str],
                        hint: CollaborationForm | None = None
                        ) -> tuple[CollaborationForm, dict[str, str]]:
        rng = self.rng
        t = txt.THEMES_BY_KEY[theme]
        sectors = {p: self.by_id[p].sector for p in partners}
        gov = [p for p, s in sectors.items() if s == SEC.GOVERNMENT]
        form = rng.choice(t.forms)
        if hint is not None:
            form = hint
        elif lead.sector == SEC.GOVERNMENT and any(s == SEC.NPO for s in sectors.values()) \
                and rng.random() < 0.5:
            form = CollaborationForm.COMMISSIONING
        elif gov and rng.random() < 0.5:
            form = rng.choice((CollaborationForm.GRANT, CollaborationForm.GRANT,
                               CollaborationForm.ENDORSEMENT))
        elif gov and theme in ("flower", "river") and rng.random() < 0.5:
            form = CollaborationForm.ADOPTION
        elif lead.sector == SEC.NPO and gov and rng.random() < 0.3:
            form = CollaborationForm.PROPOSAL
        elif len(partners) >= 3 and rng.random() < 0.5:
            form = CollaborationForm.JOINT_COMMITTEE
        if form == CollaborationForm.COMMISSIONING and not (
                lead.sector == SEC.GOVERNMENT or gov):
            form = CollaborationForm.PROJECT_COOPERATION
        if form in (CollaborationForm.ENDORSEMENT, CollaborationForm.ADOPTION) and not gov:
            form = (CollaborationForm.CO_HOSTING if form == CollaborationForm.ENDORSEMENT
                    else CollaborationForm.PROJECT_COOPERATION)
        if form == CollaborationForm.GRANT and not (gov or any(
                s in (SEC.BUSINESS, SEC.WELFARE) for s in sectors.values())):
            form = CollaborationForm.PROJECT_COOPERATION
        roles: dict[str, str] = {}
        if form == CollaborationForm.JOINT_COMMITTEE:
            roles[lead.id] = "事務局"
        elif form == CollaborationForm.COMMISSIONING:
            roles[lead.id] = "委託者" if lead.sector == SEC.GOVERNMENT else "受託者"
        else:
            roles[lead.id] = "主催"
        for p, s in sectors.items():
            if form == CollaborationForm.JOINT_COMMITTEE:
                role = "構成団体"
            elif form == CollaborationForm.COMMISSIONING:
                role = "委託者" if s == SEC.GOVERNMENT else "受託者"
                if roles[lead.id] == role:
                    role = "協力"
            elif s == SEC.GOVERNMENT:
                role = {CollaborationForm.GRANT: "助成", CollaborationForm.ENDORSEMENT: "後援",
                        CollaborationForm.ADOPTION: "管理者"}.get(form, "共催")
            elif s == SEC.BUSINESS:
                role = "協賛" if form == CollaborationForm.GRANT or rng.random() < 0.2 else "協力"
            elif form == CollaborationForm.GRANT and s == SEC.WELFARE:
                role = "助成"
            elif form == CollaborationForm.CO_HOSTING:
                role = "共催"
            else:
                role = "協力"
            roles[p] = role
        return form, roles

    def _duration(self, form: CollaborationForm) -> int:
        rng = self.rng
        f = CollaborationForm
        if form in (f.CO_HOSTING, f.ENDORSEMENT):
            return rng.randint(0, 45)
        if form in (f.ADOPTION, f.JOINT_COMMITTEE, f.COMMISSIONING):
            return rng.randint(180, 600)
        if form == f.INFORMATION_EXCHANGE:
            return rng.randint(30, 200)
        return rng.randint(45, 320)

    def _quality(self, lead: _Org, theme: str, partners: list[str]) -> float:
        """How well a collaboration goes: fit of theme, place and sector, plus luck."""
        rng = self.rng
        q = 2.9
        for p in partners:
            o = self.by_id[p]
            q += (0.5 if theme in o.themes else -0.3) / len(partners)
            if not (o.citywide or lead.citywide):
                q += (0.35 if o.area == lead.area or o.area in self.neigh[lead.area]
                      else -0.3) / len(partners)
            q += 0.25 * (SECTOR_AFFINITY[lead.sector][o.sector] - 1.0) / len(partners)
            if frozenset((lead.id, p)) in self.ties:
                q += 0.25 / len(partners)
        return q + rng.gauss(0.0, 0.55)

    def collaborations(self) -> None:
        rng = self.rng
        n = 0
        for i, fy in enumerate(FISCAL_YEARS):
            fy_start = _fy_start(fy)
            count = COLLABS_PER_YEAR[i] + rng.randint(-2, 3)
            for _ in range(count):
                horizon = fy_start + timedelta(days=300)
                leads = [o for o in self.orgs if o.joined <= horizon and o.activity > 0]
                weights = [o.activity * LEAD_WEIGHT[o.sector]
                           * (1 + 0.25 * math.sqrt(len(self.partners_of[o.id]))) for o in leads]
                lead = rng.choices(leads, weights=weights)[0]
                theme_w = [1.0 + sum(1 for c in self.collabs if c.lead == lead.id and c.theme == t)
                           for t in lead.themes]
                theme = rng.choices(lead.themes, weights=theme_w)[0]
                month = rng.choice(txt.THEMES_BY_KEY[theme].months)
                starts = date(fy if month >= 4 else fy + 1, month, rng.randint(1, 28))
                if starts < lead.joined:
                    starts = min(lead.joined + timedelta(days=rng.randint(7, 40)),
                                 date(fy + 1, 3, 20))
                pool = [o for o in self.orgs if o.joined <= starts]
                k = rng.choices((1, 2, 3, 4, 5), weights=(40, 30, 16, 9, 5))[0]
                partners = self._pick_partners(lead, theme, pool, k)
                if not partners:
                    continue
                hint = self._city_partner(lead, theme, partners)
                form, roles = self._form_and_roles(lead, theme, partners, hint)
                ends = starts + timedelta(days=self._duration(form))
                if form == CollaborationForm.GRANT:
                    ends = date(fy + 1, 3, 31)
                status = (CollaborationStatus.ENDED if ends <= REFERENCE_DATE
                          else CollaborationStatus.ACTIVE)
                if status == CollaborationStatus.ENDED and rng.random() < 0.03:
                    status = CollaborationStatus.CANCELLED
                n += 1
                c = _Collab(id=f"demo-collab-{n:04d}", fy=fy, theme=theme, lead=lead.id,
                            partners=partners, starts=starts, ends=ends, form=form, roles=roles,
                            status=status)
                c.quality = self._quality(lead, theme, partners)
                self._attach_need(c, lead, theme)
                self.collabs.append(c)
                if status != CollaborationStatus.CANCELLED:
                    members = [lead.id, *partners]
                    for a in members:
                        for b in members:
                            if a < b:
                                self.ties[frozenset((a, b))].append(c.quality)
                            if a != b:
                                self.partners_of[a].add(b)
        self._planned(n)

    def _attach_need(self, c: _Collab, lead: _Org, theme: str) -> None:
        rng = self.rng
        standing = self.standing_needs.get((lead.id, theme))
        posted_on = self.need_by_id[standing].starts if standing else None
        if standing and posted_on and posted_on <= c.starts and rng.random() < 0.85:
            c.need_ids = [standing]
        elif lead.sector != SEC.GOVERNMENT and rng.random() < 0.5:
            posted = c.starts - timedelta(days=rng.randint(20, 90))
            need = self._need(lead, theme, posted, title_suffix=f"（{c.fy}年度）",
                              starts=c.starts, ends=c.ends)
            c.need_ids = [need.id]

    def _planned(self, n: int) -> None:
        """A few collaborations planned for FY2026, after the reference date."""
        rng = self.rng
        for c in rng.sample([c for c in self.collabs if c.fy == FISCAL_YEARS[-1]
                             and c.status == CollaborationStatus.ENDED], 4):
            n += 1
            starts = date(2026, rng.choice((5, 6, 7)), rng.randint(1, 28))
            self.collabs.append(_Collab(
                id=f"demo-collab-{n:04d}", fy=2026, theme=c.theme, lead=c.lead,
                partners=list(c.partners), starts=starts,
                ends=starts + timedelta(days=self._duration(c.form)), form=c.form,
                roles=dict(c.roles), status=CollaborationStatus.PLANNED,
                need_ids=list(c.need_ids), quality=c.quality,
            ))

    def _need_statuses(self) -> None:
        addressed: dict[str, list[_Collab]] = defaultdict(list)
        for c in self.collabs:
            for nid in c.need_ids:
                addressed[nid].append(c)
        rng = self.rng
        for need in self.needs:
            cs = addressed.get(need.id)
            if not cs:
                continue
            if any(c.status in (CollaborationStatus.ACTIVE, CollaborationStatus.PLANNED)
                   for c in cs):
                need.status = NeedStatus.MATCHED
            elif need.ends is not None or rng.random() < 0.3:
                need.status = NeedStatus.CLOSED

    def _evaluations(self, c: _Collab) -> list[PartnerEvaluation]:
        rng = self.rng
        if c.status != CollaborationStatus.ENDED or rng.random() < 0.2:
            return []
        out: list[PartnerEvaluation] = []
        for org_id in [c.lead, *c.partners]:
            if rng.random() < 0.15 and out:
                continue

            def item(extra: float = 0.0) -> int:
                return max(1, min(5, round(c.quality + extra + rng.gauss(0.0, 0.5))))

            ev = PartnerEvaluation(
                org_id=org_id, targets=item(), form=item(-0.1), strengths=item(),
                selection=item(0.1), relationship=item(0.2), trust=item(0.1), value=item(),
                evaluated_at=_utc(c.ends + timedelta(days=rng.randint(7, 45)), 15),
            )
            mean = ev.mean()
            bucket = "high" if mean >= 3.8 else "mid" if mean >= 2.6 else "low"
            ev.comment = rng.choice(txt.EVAL_COMMENTS[bucket])
            out.append(ev)
        return out

    def _name(self, org_id: str) -> str:
        rec = self.by_id[org_id].rec
        return rec.name if rec else org_id

    def _collab_description(self, c: _Collab, theme: txt.Theme) -> str:
        """The theme's purpose, who did what (by role) and the form, as plain sentences."""
        lead_role = {"主催": "主催し", "事務局": "事務局を務め", "委託者": "事業を委託し",
                     "受託者": "事業を受託し"}[c.roles[c.lead]]
        by_role: dict[str, list[str]] = defaultdict(list)
        for p in c.partners:
            by_role[c.roles[p]].append(self._name(p))
        verbs = {"協力": "協力した", "構成団体": "構成団体として参加した", "共催": "共催した",
                 "助成": "助成した", "協賛": "協賛した", "後援": "後援した",
                 "管理者": "管理者として参加した", "受託者": "事業を受託した",
                 "委託者": "事業を委託した"}
        parts = []
        for role, names in by_role.items():
            who = "、".join(names) if len(names) <= 2 else f"{names[0]}など{len(names)}団体"
            parts.append(f"{who}が{verbs[role]}")
        return (f"{theme.collab_body}{self._name(c.lead)}が{lead_role}、{'。'.join(parts)}。"
                f"協働の形態は{c.form.label_ja}。")

    def collaboration_records(self) -> list[Collaboration]:
        out = []
        for c in self.collabs:
            lead = self.by_id[c.lead]
            theme = txt.THEMES_BY_KEY[c.theme]
            title = self.rng.choice(theme.collab_titles).format(area=lead.area)
            if c.form != CollaborationForm.ADOPTION:
                title += f"（{c.fy}年度）" if "年度" not in title else ""
            f = CollaborationForm
            intensity = {f.INFORMATION_EXCHANGE: Intensity.AWARENESS,
                         f.ENDORSEMENT: Intensity.AWARENESS,
                         f.JOINT_COMMITTEE: Intensity.COORDINATION,
                         f.COMMISSIONING: Intensity.COORDINATION,
                         f.ADOPTION: Intensity.COORDINATION}.get(c.form, Intensity.COOPERATION)
            repeats = min(len(self.ties.get(frozenset((c.lead, p)), [])) for p in c.partners)
            if repeats >= 4 and intensity == Intensity.COORDINATION:
                intensity = Intensity.INTEGRATION
            out.append(Collaboration(
                id=c.id,
                title=title,
                description=self._collab_description(c, theme),
                form=c.form,
                starts=c.starts,
                ends=c.ends,
                status=c.status,
                intensity=intensity,
                participants=[Participant(org_id=o, role=c.roles[o])
                              for o in [c.lead, *c.partners]],
                need_ids=c.need_ids,
                suggestion_id=c.suggestion_id,
                evaluations=self._evaluations(c),
                created_at=_utc(c.starts - timedelta(days=14), 12),
            ))
        return out

    # -- review queue -------------------------------------------------------------------------

    def _features(self, need: Need, cand: _Org, at: date) -> dict[str, float]:
        owner = self.by_id[need.org_id]
        cand_fields = set(cand.fields)
        union = set(need.fields) | cand_fields
        offers = [o for o in self.offers if o.org_id == cand.id]
        cand_skills = {s for o in offers for s in o.skills}
        skill_union = set(need.skills) | cand_skills
        if owner.citywide or cand.citywide:
            area = 0.5
        elif owner.area == cand.area:
            area = 1.0
        elif cand.area in self.neigh[owner.area]:
            area = 0.5
        else:
            area = 0.0
        common = len({p for c in self.collabs if c.starts < at and c.status
                      != CollaborationStatus.CANCELLED for p in [c.lead, *c.partners]
                      if owner.id in [c.lead, *c.partners] and p != owner.id}
                     & {p for c in self.collabs if c.starts < at
                        for p in [c.lead, *c.partners] if cand.id in [c.lead, *c.partners]
                        and p != cand.id})
        return {
            "field_overlap": round(len(set(need.fields) & cand_fields) / len(union), 3)
            if union else 0.0,
            "skill_overlap": round(len(set(need.skills) & cand_skills) / len(skill_union), 3)
            if skill_union else 0.0,
            "area": area,
            "sector_complementarity": round(SECTOR_AFFINITY[owner.sector][cand.sector] / 2.0, 3),
            "common_partners": float(common),
        }

    def _suggestion(self, need: Need, cand: _Org, at: date, status: SuggestionStatus,
                    n: int) -> Suggestion:
        rng = self.rng
        feats = self._features(need, cand, at)
        score = round(min(0.99, 0.15 + 0.25 * feats["field_overlap"]
                          + 0.25 * feats["skill_overlap"] + 0.2 * feats["area"]
                          + 0.15 * feats["sector_complementarity"]
                          + 0.05 * min(feats["common_partners"], 3) + rng.uniform(0, 0.1)), 3)
        cand_name = cand.rec.name if cand.rec else cand.id
        owner = self.by_id[need.org_id]
        owner_name = owner.rec.name if owner.rec else owner.id
        # the candidate's offer that fits the need best (shared skills, then shared fields)
        offers = [o for o in self.offers if o.org_id == cand.id
                  and (o.created_at is None or o.created_at.date() <= at)]
        offer = max(offers, key=lambda o: (len(set(o.skills) & set(need.skills)),
                                           len(set(o.fields) & set(need.fields))), default=None)
        if offer and not set(offer.fields) & set(need.fields):
            offer = None  # nothing in its offers speaks to this need
        created = _utc(at, 13)
        history: list[Decision] = []
        reviewer = note = decided = None
        if status != SuggestionStatus.PROPOSED:
            reviewer = rng.choice(COORDINATORS)
            note = rng.choice(txt.SUGGESTION_NOTES[status.value])
            decided = _utc(at + timedelta(days=rng.randint(2, 12)), 16)
            if status == SuggestionStatus.ACCEPTED and rng.random() < 0.3:
                history.append(Decision(status=SuggestionStatus.DEFERRED, reviewer=reviewer,
                                        note=rng.choice(txt.SUGGESTION_NOTES["deferred"]),
                                        at=created + timedelta(days=1)))
            history.append(Decision(status=status, reviewer=reviewer, note=note, at=decided))
        explanation = _demo_explanation(owner_name, cand_name, need, offer, cand_fields_of(cand))
        return Suggestion(
            id=f"demo-suggestion-{n:03d}",
            suggestion_kind=SuggestionKind.NEED_ORG,
            subject_id=need.org_id,
            candidate_id=cand.id,
            need_id=need.id,
            offer_id=offer.id if offer else None,
            score=score,
            features=feats,
            explanation=explanation,
            status=status,
            reviewer=reviewer,
            note=note,
            decided_at=decided,
            history=history,
            requested_by=rng.choice(COORDINATORS),
            created_at=created,
        )

    def suggestions(self) -> list[Suggestion]:
        rng = self.rng
        out: list[Suggestion] = []
        n = 0
        # accepted: suggestions that became collaborations in FY2024–FY2025
        recent = [c for c in self.collabs if c.fy in (2024, 2025) and c.need_ids
                  and c.status != CollaborationStatus.CANCELLED]
        for c in sorted(rng.sample(recent, min(12, len(recent))), key=lambda c: c.id):
            n += 1
            at = c.starts - timedelta(days=rng.randint(20, 60))
            # the partner a coordinator would have suggested: the one whose work fits best
            best = max(c.partners, key=lambda p: (c.theme in self.by_id[p].themes,
                                                  self.by_id[p].sector != SEC.GOVERNMENT))
            s = self._suggestion(self.need_by_id[c.need_ids[0]], self.by_id[best], at,
                                 SuggestionStatus.ACCEPTED, n)
            c.suggestion_id = s.id
            out.append(s)
        open_needs = [nd for nd in self.needs if nd.status == NeedStatus.OPEN
                      and nd.visibility == Visibility.PUBLIC]
        active = [o for o in self.orgs if o.activity > 0]
        # rejected and deferred: poor or ill-timed fits
        for status, k in ((SuggestionStatus.REJECTED, 8), (SuggestionStatus.DEFERRED, 4)):
            for need in rng.sample(open_needs, k):
                owner = self.by_id[need.org_id]
                far = [o for o in active if o.id != owner.id and o.area != owner.area
                       and o.area not in self.neigh[owner.area]] or active
                n += 1
                at = _rand_date(rng, date(2024, 6, 1), date(2026, 2, 28))
                out.append(self._suggestion(need, rng.choice(far), at, status, n))
        # proposed: good fits waiting in the coordinators' queue now
        for need in rng.sample(open_needs, 10):
            owner = self.by_id[need.org_id]
            theme = next((t for (o, t), nid in self.standing_needs.items() if nid == need.id),
                         None)
            fits = [o for o in active if o.id != owner.id and theme in o.themes
                    and frozenset((o.id, owner.id)) not in self.ties] or [
                o for o in active if o.id != owner.id]
            n += 1
            at = _rand_date(rng, date(2026, 3, 1), date(2026, 3, 28))
            out.append(self._suggestion(need, rng.choice(fits), at, SuggestionStatus.PROPOSED,
                                        n))
        return out

    def interests(self) -> list[Interest]:
        rng = self.rng
        out: list[Interest] = []
        businesses = [o for o in self.orgs if o.sector == SEC.BUSINESS]
        needs = [nd for nd in self.needs if nd.status == NeedStatus.OPEN
                 and nd.visibility == Visibility.PUBLIC]
        seen: set[tuple[str, str]] = set()
        while len(out) < 12:
            need = rng.choice(needs)
            theme = next((t for t in txt.THEMES if set(t.fields) == set(need.fields)), None)
            fits = [b for b in businesses if theme and theme.key in b.themes] or businesses
            biz = rng.choice(fits)
            if (biz.id, need.id) in seen or biz.id == need.org_id:
                continue
            seen.add((biz.id, need.id))
            created = _rand_date(rng, date(2026, 1, 10), date(2026, 3, 25))
            status = rng.choices(
                (InterestStatus.OPEN, InterestStatus.ACCEPTED, InterestStatus.DECLINED),
                weights=(7, 2, 1))[0]
            decided = status != InterestStatus.OPEN
            out.append(Interest(
                id=f"demo-interest-{len(out) + 1:03d}",
                org_id=biz.id,
                need_id=need.id,
                message=rng.choice(txt.INTEREST_MESSAGES).format(
                    theme=theme.name if theme else "地域活動"),
                status=status,
                decided_by=rng.choice(COORDINATORS) if decided else None,
                decided_at=_utc(created + timedelta(days=rng.randint(1, 6)), 17)
                if decided else None,
                note=("先方と日程調整を始めた。" if status == InterestStatus.ACCEPTED
                      else "今回は既に協力先が決まっているため見送り。") if decided else None,
                created_at=_utc(created, 14),
            ))
        return out

    def upcoming_needs(self) -> None:
        """Needs posted in early 2026 for activities in FY2026, each with a date range: what
        the opportunity search and the matcher have to work on "now"."""
        rng = self.rng
        askers = [o for o in self.orgs if o.sector in (SEC.ASSOCIATION, SEC.NPO, SEC.SCHOOL,
                                                         SEC.WELFARE)]
        for org in sorted(rng.sample(askers, 25), key=lambda o: o.id):
            theme = rng.choice(org.themes)
            month = rng.choice(txt.THEMES_BY_KEY[theme].months)
            starts = date(2026 if month >= 4 else 2027, month, rng.randint(1, 28))
            posted = _rand_date(rng, date(2026, 1, 10), date(2026, 3, 25))
            self._need(org, theme, posted, title_suffix="（2026年度）", starts=starts,
                       ends=starts + timedelta(days=rng.randint(14, 120)))

    def run(self) -> DemoCity:
        city = DemoCity(seed=self.seed)
        city.areas = self.areas()
        self.organizations()
        self.standing()
        self.collaborations()
        self._need_statuses()
        self.upcoming_needs()
        city.suggestions = self.suggestions()
        city.collaborations = self.collaboration_records()
        city.interests = self.interests()
        city.organizations = [o.rec for o in self.orgs if o.rec is not None]
        city.org_themes = {o.id: o.themes for o in self.orgs}
        city.needs = list(self.needs)
        city.offers = list(self.offers)
        return city


def generate(seed: int = 42) -> DemoCity:
    """Generate the demo city; the same seed always gives the same city, byte for byte."""
    return _Generator(seed).run()


# --------------------------------------------------------------------------------------------
# Loading into a store
# --------------------------------------------------------------------------------------------


def kinds_with_records(store: Any) -> list[str]:
    """The record kinds (users aside) of which ``store`` holds anything, soft-deleted included:
    a store with any of them holds people's work, which loading the demo would overwrite."""
    from graph.model import RECORD_TYPES

    return [
        kind
        for kind in RECORD_TYPES
        if kind != "User" and next(iter(store.iter_all(kind, include_inactive=True)), None)
    ]


def load(store: Any, seed: int = 42, city: DemoCity | None = None) -> dict[str, Any]:
    """Upsert the demo city into ``store`` (a :class:`graph.store.GraphStore`), kind by kind.

    Kinds go in reference order, so every batch only points at records already stored.  Loading
    the same seed twice changes nothing (every record comes back ``unchanged``).  Returns
    ``{"seed", "counts", "created", "updated", "unchanged", "by_kind"}``.
    """
    city = city or generate(seed)
    by_kind: dict[str, dict[str, int]] = {}
    totals = {"created": 0, "updated": 0, "unchanged": 0}
    for kind, records in city.by_kind().items():
        result = store.upsert(records)
        by_kind[kind] = {"created": len(result.created), "updated": len(result.updated),
                         "unchanged": len(result.unchanged)}
        for k in totals:
            totals[k] += by_kind[kind][k]
    return {"seed": city.seed, "counts": city.counts(), **totals, "by_kind": by_kind}


# --------------------------------------------------------------------------------------------
# Writing the demo as files (the ingest package's test data)
# --------------------------------------------------------------------------------------------

#: separator of list values inside one CSV cell (fields, skills, need_ids, participants)
LIST_SEP = ";"
#: columns of evaluations.csv (one row per partner's evaluation of a collaboration)
EVALUATION_COLUMNS = ("collaboration_id", "org_id", "targets", "form", "strengths", "selection",
                      "relationship", "trust", "value", "comment", "evaluated_by",
                      "evaluated_at")
#: kinds written as flat CSV and XLSX sheets (suggestions carry nested data: JSON Lines only)
FLAT_KINDS = ("areas", "organizations", "needs", "offers", "collaborations", "interests")

#: Japanese headers of the CP932 organizations register (as a coordinator's Excel export)
JA_ORG_COLUMNS: tuple[tuple[str, str], ...] = (
    ("団体ID", "id"), ("団体名", "name"), ("ふりがな", "name_kana"), ("種別", "sector"),
    ("区分", "subtype"), ("地域", "area"), ("活動分野", "fields"), ("内容", "description"),
    ("法人番号", "corporate_number"), ("設立年月日", "founded"), ("ホームページ", "website"),
    ("担当者", "contact_name"), ("メールアドレス", "contact_email"), ("電話番号", "contact_phone"),
)
#: how a Japanese register names each sector in its 種別 column
JA_SECTOR: dict[Sector, str] = {
    SEC.ASSOCIATION: "自治会", SEC.NPO: "市民活動団体", SEC.BUSINESS: "事業者", SEC.SCHOOL: "学校",
    SEC.GOVERNMENT: "行政", SEC.WELFARE: "社会福祉協議会", SEC.OTHER: "その他",
}
NPO_PORTAL_FIELD_NAMES: tuple[str, ...] = tuple(
    f"活動分野{str(i).translate(str.maketrans('0123456789', '０１２３４５６７８９'))}"
    for i in range(1, 21)
)


def _cell(value: Any) -> str:
    """A model value as CSV text: lists joined with ``;``, enums by value, None as empty."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return LIST_SEP.join(_cell(v) for v in value)
    if hasattr(value, "value") and not isinstance(value, int | float):  # enums
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _columns(record_type: type[Record]) -> list[str]:
    skip = {"updated_at", "evaluations"}
    return [name for name in record_type.model_fields if name not in skip]


def flat_rows(city: DemoCity, kind: str) -> tuple[list[str], list[list[str]]]:
    """(headers, rows) of one kind as flat text cells, the way the CSV and XLSX files hold it.

    ``kind`` is one of :data:`FLAT_KINDS` or ``"evaluations"``.
    """
    if kind == "evaluations":
        rows = []
        for c in city.collaborations:
            for ev in c.evaluations:
                data = ev.model_dump()
                rows.append([c.id, *(_cell(data[k]) for k in EVALUATION_COLUMNS[1:])])
        return list(EVALUATION_COLUMNS), rows
    records: list[Record] = getattr(city, kind)
    headers = _columns(type(records[0]))
    rows = []
    for rec in records:
        row = []
        for h in headers:
            value = getattr(rec, h)
            if h == "participants":
                row.append(LIST_SEP.join(f"{p.org_id}:{p.role}" for p in value))
            else:
                row.append(_cell(value))
        rows.append(row)
    return headers, rows


def _write_csv(path: Path, headers: Sequence[str], rows: Iterable[Sequence[Any]],
               encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [list(r) for r in rows]
    # import examples must re-import exactly, so no apostrophe is added (graph.cells); the
    # demo's texts are ours, and a formula-like one would be a bug: refused, not written
    check_no_formulas([headers, *rows], str(path))
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def _wareki(d: date) -> str:
    """A date in the Japanese era calendar, as registers print it (令和2年4月1日)."""
    eras = ((date(2019, 5, 1), "令和", 2018), (date(1989, 1, 8), "平成", 1988),
            (date(1926, 12, 25), "昭和", 1925), (date(1912, 7, 30), "大正", 1911),
            (date(1868, 1, 25), "明治", 1867))
    for start, name, offset in eras:
        if d >= start:
            year = d.year - offset
            return f"{name}{'元' if year == 1 else year}年{d.month}月{d.day}日"
    return f"{d.year}年{d.month}月{d.day}日"


def _address(org: Organization) -> str:
    digits = int(org.id.rsplit("-", 1)[1])
    return f"{CITY}{org.area}{digits % 4 + 1}丁目{digits % 17 + 1}番{digits % 9 + 1}号"


def _ja_organization_rows(city: DemoCity) -> list[list[str]]:
    names = {f.code: f.name_ja for f in NPO_FIELDS}
    rows = []
    for i, org in enumerate(city.organizations):
        row = []
        for _, attr in JA_ORG_COLUMNS:
            value = getattr(org, attr)
            if attr == "sector":
                row.append(JA_SECTOR[org.sector])
            elif attr == "fields":
                row.append("、".join(names[c] for c in value))
            elif attr == "founded":
                # registers mix calendars: most rows in 和暦, some in 西暦 with slashes
                row.append("" if value is None else _wareki(value) if i % 3 else
                           f"{value.year}/{value.month}/{value.day}")
            else:
                row.append(_cell(value))
        rows.append(row)
    return rows


def _npo_portal_rows(city: DemoCity) -> tuple[list[str], list[list[str]]]:
    headers = ["法人番号", "法人名称", "法人名称カナ", "所轄庁", "主たる事務所の所在地",
               "代表者氏名", "法人設立認証年月日", "定款に記載された目的", *NPO_PORTAL_FIELD_NAMES]
    rows = []
    for org in city.organizations:
        if org.sector != SEC.NPO or org.subtype != "NPO法人" or not org.corporate_number:
            continue
        kana = org.name_kana or ""
        digits = int(org.id.rsplit("-", 1)[1])
        representative = (f"{txt.FAMILY_NAMES[digits % len(txt.FAMILY_NAMES)]} "
                          f"{txt.GIVEN_NAMES[digits % len(txt.GIVEN_NAMES)]}")
        activities = "、".join(txt.THEMES_BY_KEY[t].name for t in city.org_themes.get(org.id, ()))
        purpose = (f"この法人は、{CITY}の市民に対して、{activities}に関する事業を行い、"
                   "誰もが安心して暮らせる地域社会の実現に寄与することを目的とする。")
        rows.append([
            org.corporate_number, org.name.removeprefix("NPO法人"),
            # the portal writes kana in full-width katakana
            "トクテイヒエイリカツドウホウジン" + _katakana(kana), CITY, _address(org),
            representative, _wareki(org.founded) if org.founded else "", purpose,
            *("○" if f"{i:02d}" in org.fields else "" for i in range(1, 21)),
        ])
    return headers, rows


def _katakana(text: str) -> str:
    return "".join(chr(ord(ch) + 0x60) if "ぁ" <= ch <= "ゖ" else ch for ch in text).replace(
        " ", "")


def _hsds(city: DemoCity) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Open Referral HSDS 3.0 style organizations, services (the offers) and locations."""
    areas = {a.id: a for a in city.areas}
    org_rows, loc_rows = [], []
    for org in city.organizations:
        if org.sector not in (SEC.NPO, SEC.WELFARE):
            continue
        legal = {"NPO法人": "特定非営利活動法人", "社会福祉協議会": "社会福祉法人"}.get(
            org.subtype or "", "任意団体")
        org_rows.append([org.id, org.name, org.name_kana or "", org.description,
                         org.contact_email or "", org.website or "",
                         str(org.founded.year) if org.founded else "", legal,
                         org.corporate_number or ""])
        area = areas[org.area] if org.area in areas else None
        digits = int(org.id.rsplit("-", 1)[1])
        loc_rows.append([f"{org.id}-loc", "physical", org.id, f"{org.name} 事務所",
                         _address(org),
                         f"{area.lat + (digits % 7 - 3) * 0.002:.5f}" if area and area.lat else "",
                         f"{area.lon + (digits % 5 - 2) * 0.002:.5f}" if area and area.lon else ""])
    hsds_orgs = {r[0] for r in org_rows}
    svc_rows = [[o.id, o.org_id, o.title, o.description, "active", o.availability or "",
                 o.capacity or ""] for o in city.offers if o.org_id in hsds_orgs]
    return {
        "organizations": (["id", "name", "alternate_name", "description", "email", "website",
                           "year_incorporated", "legal_status", "tax_id"], org_rows),
        "services": (["id", "organization_id", "name", "description", "status",
                      "application_process", "fees_description"], svc_rows),
        "locations": (["id", "location_type", "organization_id", "name", "description",
                       "latitude", "longitude"], loc_rows),
    }


GRANT_COLUMNS = ("Identifier", "Title", "Description", "Currency", "Amount Awarded",
                 "Award Date", "Planned Dates:Start Date", "Planned Dates:End Date",
                 "Recipient Org:Identifier", "Recipient Org:Name", "Funding Org:Identifier",
                 "Funding Org:Name", "Beneficiary Location:Name", "Grant Programme:Title")


def grants(city: DemoCity) -> list[list[str]]:
    """360Giving-style grants: every 助成 (grant) or 協賛 (sponsorship) role of a collaboration
    becomes a grant from that funder to the collaboration's lead (its first participant)."""
    orgs = {o.id: o for o in city.organizations}
    rows = []
    for c in city.collaborations:
        if c.status == CollaborationStatus.CANCELLED:
            continue
        lead = c.participants[0].org_id
        for p in c.participants[1:]:
            if p.role not in ("助成", "協賛"):
                continue
            funder = orgs[p.org_id]
            # amounts are a deterministic function of the ids, so files stay byte-identical
            h = sum(ord(ch) for ch in c.id + p.org_id)
            amount = (h % 9 + 1) * (100_000 if funder.sector == SEC.GOVERNMENT else 30_000)
            programme = ("市民協働事業補助金" if funder.sector == SEC.GOVERNMENT
                         else "地域貢献協賛金")
            rows.append([
                f"360G-yuino-demo-{c.id}-{p.org_id}", c.title, c.description, "JPY",
                str(amount), (c.starts - timedelta(days=21)).isoformat(), c.starts.isoformat(),
                c.ends.isoformat() if c.ends else "", lead, orgs[lead].name, funder.id,
                funder.name, orgs[lead].area or "", programme,
            ])
    return rows


def write_files(city: DemoCity, out_dir: Path | str) -> list[Path]:
    """Write the demo city in every format the ingest package reads; returns the files.

    Layout under ``out_dir``: ``csv/`` (UTF-8, English headers equal to the model's field names,
    lists joined with ``;``, participants as ``org_id:role``, evaluations in their own file),
    ``jsonl/`` (one ``model_dump(mode="json")`` per line, every kind), ``xlsx/demo_city.xlsx``
    (one sheet per kind), ``ja/organizations.csv`` (CP932, Japanese headers, 和暦 dates),
    ``npo_portal/npo_houjin.csv`` (CP932, the Cabinet Office NPO portal's columns),
    ``hsds/`` (Open Referral HSDS 3.0 organizations, services, locations) and
    ``360giving/grants.csv``.
    """
    out = Path(out_dir)
    written: list[Path] = []
    for kind in (*FLAT_KINDS, "evaluations"):
        headers, rows = flat_rows(city, kind)
        written.append(_write_csv(out / "csv" / f"{kind}.csv", headers, rows))
    (out / "jsonl").mkdir(parents=True, exist_ok=True)
    for kind, records in city.by_kind().items():
        path = out / "jsonl" / f"{kind}.jsonl"
        lines = [json.dumps(r.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
                 for r in records]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append(path)
    written.append(_write_xlsx(city, out / "xlsx" / "demo_city.xlsx"))
    written.append(_write_csv(out / "ja" / "organizations.csv",
                              [h for h, _ in JA_ORG_COLUMNS], _ja_organization_rows(city),
                              encoding="cp932"))
    headers, rows = _npo_portal_rows(city)
    written.append(_write_csv(out / "npo_portal" / "npo_houjin.csv", headers, rows,
                              encoding="cp932"))
    for name, (headers, rows) in _hsds(city).items():
        written.append(_write_csv(out / "hsds" / f"{name}.csv", headers, rows))
    written.append(_write_csv(out / "360giving" / "grants.csv", GRANT_COLUMNS, grants(city)))
    return written


def _write_xlsx(city: DemoCity, path: Path) -> Path:
    import openpyxl  # type: ignore[import-untyped]

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for kind in (*FLAT_KINDS, "evaluations"):
        headers, rows = flat_rows(city, kind)
        check_no_formulas([headers, *rows], f"{path} [{kind}]")  # see _write_csv
        ws = wb.create_sheet(kind)
        ws.append(headers)
        for row in rows:
            ws.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    # fixed timestamps (document properties and zip entries) keep the bytes equal for equal
    # seeds; openpyxl would otherwise stamp the current time into both
    wb.properties.created = wb.properties.modified = datetime(2026, 3, 31)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 3, 31, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl sets "modified" to now on save
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-03-31T00:00:00Z",
                              data)
            dst.writestr(fixed, data)
    path.write_bytes(out.getvalue())
    return path


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def register(app: typer.Typer) -> None:
    """Add ``tsunagu demo`` to the ``tsunagu`` Typer app."""

    @app.command(
        "demo",
        help="デモ用の架空の市（結野市）を生成してストアに読み込みます。同じシードからは常に同じ"
        "データができます。 Generate the fictional demo city (Yuino) and load it into the "
        "configured store; the same seed always gives the same data.",
    )
    def demo_command(
        seed: Annotated[int, typer.Option(
            "--seed",
            help="乱数のシード。別のシードに切り替えるときは --reset も付けてください / random "
            "seed; add --reset when switching to another seed",
        )] = 42,
        write_files_dir: Annotated[Path | None, typer.Option(
            "--write-files", metavar="DIR",
            help="CSV・JSONL・XLSX・CP932・NPOポータル・HSDS・360Giving のファイルも書き出す先 / "
            "also write the demo as files (CSV, JSONL, XLSX, CP932, NPO portal, HSDS, "
            "360Giving) into DIR",
        )] = None,
        reset: Annotated[bool, typer.Option(
            "--reset",
            help="読み込む前にストアの全データを削除します（元に戻せません） / delete everything "
            "in the store before loading (cannot be undone)",
        )] = False,
        if_empty: Annotated[bool, typer.Option(
            "--if-empty",
            help="ストアが空のときだけ読み込み、空でなければ何もしません"
            "（scripts/run.sh が使用） / load only into an empty store, otherwise do nothing "
            "(used by scripts/run.sh)",
        )] = False,
        no_load: Annotated[bool, typer.Option(
            "--no-load",
            help="ストアに読み込まない（--write-files だけ行う） / do not load into the store "
            "(only --write-files)",
        )] = False,
    ) -> None:
        from graph import open_store
        from graph.store import StoreError

        city = generate(seed)
        counts = city.counts()
        typer.echo(f"デモの市を生成しました / generated the demo city (seed {seed}): "
                   + ", ".join(f"{k} {v}" for k, v in counts.items()))
        if write_files_dir is not None:
            try:
                files = write_files(city, write_files_dir)
            except OSError as exc:
                typer.echo(f"ファイルを書けません / cannot write files: {exc}", err=True)
                raise typer.Exit(1) from None
            typer.echo(f"{len(files)} 個のファイルを書き出しました / wrote {len(files)} files "
                       f"to {write_files_dir}")
        if no_load:
            return
        try:
            with open_store() as store:
                present = [] if reset else kinds_with_records(store)
                if present and if_empty:
                    typer.echo("ストアにデータがあるため、デモは読み込みませんでした / the store "
                               f"already holds data ({', '.join(present)}): demo not loaded")
                    return
                if present:
                    typer.echo(
                        "ストアは空ではありません（" + "・".join(present) + "）。デモを読み込むと"
                        "利用者の変更が上書きされるため中止しました。全データを削除して読み込む"
                        "には --reset を付けてください / the store is not empty ("
                        + ", ".join(present) + "): loading the demo would overwrite people's "
                        "changes, so nothing was done; add --reset to delete everything and "
                        "load the demo",
                        err=True,
                    )
                    raise typer.Exit(1)
                if reset:
                    store.clear()
                    typer.echo("ストアを空にしました / cleared the store")
                summary = load(store, seed, city=city)
        except StoreError as exc:
            typer.echo(f"読み込めませんでした（何も書き込んでいません） / load failed, nothing "
                       f"written for the failing kind: {exc}", err=True)
            raise typer.Exit(1) from None
        typer.echo(f"読み込み完了 / loaded: 新規 created {summary['created']}, 更新 updated "
                   f"{summary['updated']}, 変更なし unchanged {summary['unchanged']}")
        for kind, r in summary["by_kind"].items():
            typer.echo(f"  {kind:15s} created {r['created']:4d}  updated {r['updated']:4d}  "
                       f"unchanged {r['unchanged']:4d}")


def cand_fields_of(cand: _Org) -> set[str]:
    """The fields a demo organization works in (its record's)."""
    return set(cand.rec.fields) if cand.rec else set()


def _demo_explanation(
    owner_name: str, cand_name: str, need: Need, offer: Offer | None, cand_fields: set[str]
) -> dict[str, str]:
    """Reasons as sentences with names (no ids, no raw numbers), like the matcher's own."""
    from graph.model import FIELDS_BY_CODE

    ja: list[str] = []
    en: list[str] = []
    if offer is not None:
        ja.append(
            f"{owner_name}のニーズ「{need.title}」に、{cand_name}の提供「{offer.title}」が"
            "応えられます。"
        )
        en.append(
            f"{cand_name}'s offer \u201c{offer.title}\u201d meets {owner_name}'s need "
            f"\u201c{need.title}\u201d."
        )
        skills = sorted(set(offer.skills) & set(need.skills))
        if skills:
            ja.append(f"必要な技術（{'・'.join(skills)}）を提供できます。")
            en.append(f"It provides the skills needed ({', '.join(skills)}).")
    shared = sorted(set(need.fields) & cand_fields)
    fields = [FIELDS_BY_CODE[c] for c in shared if c in FIELDS_BY_CODE]
    names_ja = "・".join(f.name_ja for f in fields[:2])
    names_en = ", ".join(f.name_en.lower() for f in fields[:2])
    if fields and offer is not None:
        ja.append(f"同じ活動分野（{names_ja}）です。")
        en.append(f"They work in the same field ({names_en}).")
    elif fields:
        ja.append(
            f"{cand_name}は、{owner_name}のニーズ「{need.title}」と同じ活動分野（{names_ja}）で"
            "活動しています。"
        )
        en.append(
            f"{cand_name} works in the field of {owner_name}'s need \u201c{need.title}\u201d "
            f"({names_en})."
        )
    if not ja:
        ja.append(f"{cand_name}は{owner_name}のニーズ「{need.title}」の候補です。")
        en.append(
            f"{cand_name} is a possible partner for {owner_name}'s need \u201c{need.title}\u201d."
        )
    return {"ja": "".join(ja), "en": " ".join(en)}

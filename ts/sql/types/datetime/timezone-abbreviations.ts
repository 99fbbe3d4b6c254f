// Time zone abbreviations accepted in date/time input: PostgreSQL 15's "Default"
// timezone_abbreviations set. An entry is "abbrev offsetSecondsEast", "... D" for a
// daylight-saving abbreviation, or "abbrev Zone/Name" whose offset depends on the date.

export type ZoneAbbreviation =
  | { readonly kind: "fixed"; readonly offset: number; readonly daylight: boolean }
  | { readonly kind: "dynamic"; readonly zone: string };

const DEFAULT_SET =
  "acdt 37800 D;acsst 37800 D;acst 34200;act -18000;acwst 31500;adt -10800 D;aedt 39600 D;" +
  "aesst 39600 D;aest 36000;aft 16200;akdt -28800 D;akst -32400;almst 25200 D;almt 21600;" +
  "amst Asia/Yerevan;amt -14400;anast Asia/Anadyr;anat Asia/Anadyr;" +
  "arst America/Argentina/Buenos_Aires;art America/Argentina/Buenos_Aires;ast -14400;awsst 32400 D;" +
  "awst 28800;azost 0 D;azot -3600;azst Asia/Baku;azt Asia/Baku;bdst 7200 D;bdt 21600;bnt 28800;" +
  "bort 28800;bot -14400;bra -10800;brst -7200 D;brt -10800;bst 3600 D;btt 21600;cadt 37800 D;" +
  "cast 34200;cct 28800;cdt -18000 D;cest 7200 D;cet 3600;cetdst 7200 D;chadt 49500 D;chast 45900;" +
  "chut 36000;ckt Pacific/Rarotonga;clst -10800 D;clt America/Santiago;cot -18000;cst -21600;" +
  "cxt 25200;davt Antarctica/Davis;ddut 36000;easst Pacific/Easter;east Pacific/Easter;eat 10800;" +
  "edt -14400 D;eest 10800 D;eet 7200;eetdst 10800 D;egst 0 D;egt -3600;est -18000;fet 10800;" +
  "fjst 46800 D;fjt 43200;fkst Atlantic/Stanley;fkt Atlantic/Stanley;fnst -3600 D;fnt -7200;" +
  "galt -21600;gamt -32400;gest Asia/Tbilisi;get Asia/Tbilisi;gft -10800;gilt 43200;gmt 0;" +
  "gyt America/Guyana;hkt 28800;hst -36000;ict 25200;idt 10800 D;iot Indian/Chagos;" +
  "irkst Asia/Irkutsk;irkt Asia/Irkutsk;irt 12600;ist 7200;jayt 32400;jst 32400;kdt 36000 D;" +
  "kgst 21600 D;kgt Asia/Bishkek;kost Pacific/Kosrae;krast Asia/Krasnoyarsk;krat Asia/Krasnoyarsk;" +
  "kst 32400;lhdt Australia/Lord_Howe;lhst 37800;ligt 36000;lint Pacific/Kiritimati;" +
  "lkt Asia/Colombo;magst Asia/Magadan;magt Asia/Magadan;mart -34200;mawt Antarctica/Mawson;" +
  "mdt -21600 D;mest 7200 D;mesz 7200 D;met 3600;metdst 7200 D;mez 3600;mht 43200;mmt 23400;" +
  "mpt 36000;msd 14400 D;msk Europe/Moscow;mst -25200;must 18000 D;mut 14400;mvt 18000;myt 28800;" +
  "ndt -9000 D;nft -12600;novst Asia/Novosibirsk;novt Asia/Novosibirsk;npt 20700;nst -12600;" +
  "nut Pacific/Niue;nzdt 46800 D;nzst 43200;nzt 43200;omsst Asia/Omsk;omst Asia/Omsk;pdt -25200 D;" +
  "pet -18000;petst Asia/Kamchatka;pett Asia/Kamchatka;pgt 36000;pht 28800;pkst 21600 D;pkt 18000;" +
  "pmdt -7200 D;pmst -10800;pont 39600;pst -28800;pwt 32400;pyst -10800 D;pyt America/Asuncion;" +
  "ret 14400;sadt 37800 D;sast 7200;sct 14400;sgt Asia/Singapore;taht -36000;tft 18000;tjt 18000;" +
  "tkt Pacific/Fakaofo;tmt Asia/Ashgabat;tot 46800;trut 36000;tvt 43200;uct 0;ulast 32400 D;" +
  "ulat Asia/Ulaanbaatar;ut 0;utc 0;uyst -7200 D;uyt -10800;uzst 21600 D;uzt 18000;" +
  "vet America/Caracas;vlast Asia/Vladivostok;vlat Asia/Vladivostok;volt Europe/Volgograd;" +
  "vut 39600;wadt 28800 D;wakt 43200;wast 25200;wat 3600;wdt 32400 D;wet 0;wetdst 3600 D;wft 43200;" +
  "wgst -7200 D;wgt -10800;xjt 21600;yakst Asia/Yakutsk;yakt Asia/Yakutsk;yapt 36000;yekst 21600 D;" +
  "yekt Asia/Yekaterinburg;z 0;zulu 0";

function parseTable(table: string): Map<string, ZoneAbbreviation> {
  const entries = new Map<string, ZoneAbbreviation>();
  for (const entry of table.split(";")) {
    const [abbrev = "", value = "", flag] = entry.split(" ");
    if (/^-?\d+$/.test(value)) entries.set(abbrev, { kind: "fixed", offset: Number(value), daylight: flag === "D" });
    else entries.set(abbrev, { kind: "dynamic", zone: value });
  }
  return entries;
}

const abbreviations = parseTable(DEFAULT_SET);

/** Looks up a lower-case abbreviation such as "est" or "cest". */
export function findZoneAbbreviation(lowerCase: string): ZoneAbbreviation | undefined {
  return abbreviations.get(lowerCase);
}

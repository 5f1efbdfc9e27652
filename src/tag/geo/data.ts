/**
 * Hand-written gazetteer tables: first-level regions, French départements,
 * exonyms and abbreviations. Facts only (names, codes); coordinates are
 * computed from the bundled city data when the gazetteer loads.
 */

/** US states: GeoNames admin1 code (= postal code), name, FR name, AP-style abbreviations. */
export const US_STATES: [code: string, name: string, fr: string, abbrevs: string[]][] = [
  ['AL', 'Alabama', 'Alabama', ['Ala.']],
  ['AK', 'Alaska', 'Alaska', []],
  ['AZ', 'Arizona', 'Arizona', ['Ariz.']],
  ['AR', 'Arkansas', 'Arkansas', ['Ark.']],
  ['CA', 'California', 'Californie', ['Calif.', 'Cal.']],
  ['CO', 'Colorado', 'Colorado', ['Colo.']],
  ['CT', 'Connecticut', 'Connecticut', ['Conn.']],
  ['DE', 'Delaware', 'Delaware', ['Del.']],
  ['DC', 'District of Columbia', 'district de Columbia', ['D.C.']],
  ['FL', 'Florida', 'Floride', ['Fla.']],
  ['GA', 'Georgia', 'Géorgie', ['Ga.']],
  ['HI', 'Hawaii', 'Hawaï', []],
  ['ID', 'Idaho', 'Idaho', []],
  ['IL', 'Illinois', 'Illinois', ['Ill.']],
  ['IN', 'Indiana', 'Indiana', ['Ind.']],
  ['IA', 'Iowa', 'Iowa', []],
  ['KS', 'Kansas', 'Kansas', ['Kan.', 'Kans.']],
  ['KY', 'Kentucky', 'Kentucky', ['Ky.']],
  ['LA', 'Louisiana', 'Louisiane', ['La.']],
  ['ME', 'Maine', 'Maine', []],
  ['MD', 'Maryland', 'Maryland', ['Md.']],
  ['MA', 'Massachusetts', 'Massachusetts', ['Mass.']],
  ['MI', 'Michigan', 'Michigan', ['Mich.']],
  ['MN', 'Minnesota', 'Minnesota', ['Minn.']],
  ['MS', 'Mississippi', 'Mississippi', ['Miss.']],
  ['MO', 'Missouri', 'Missouri', ['Mo.']],
  ['MT', 'Montana', 'Montana', ['Mont.']],
  ['NE', 'Nebraska', 'Nebraska', ['Neb.', 'Nebr.']],
  ['NV', 'Nevada', 'Nevada', ['Nev.']],
  ['NH', 'New Hampshire', 'New Hampshire', ['N.H.']],
  ['NJ', 'New Jersey', 'New Jersey', ['N.J.']],
  ['NM', 'New Mexico', 'Nouveau-Mexique', ['N.M.']],
  ['NY', 'New York', 'État de New York', ['N.Y.']],
  ['NC', 'North Carolina', 'Caroline du Nord', ['N.C.']],
  ['ND', 'North Dakota', 'Dakota du Nord', ['N.D.']],
  ['OH', 'Ohio', 'Ohio', []],
  ['OK', 'Oklahoma', 'Oklahoma', ['Okla.']],
  ['OR', 'Oregon', 'Oregon', ['Ore.']],
  ['PA', 'Pennsylvania', 'Pennsylvanie', ['Pa.', 'Penn.']],
  ['RI', 'Rhode Island', 'Rhode Island', ['R.I.']],
  ['SC', 'South Carolina', 'Caroline du Sud', ['S.C.']],
  ['SD', 'South Dakota', 'Dakota du Sud', ['S.D.']],
  ['TN', 'Tennessee', 'Tennessee', ['Tenn.']],
  ['TX', 'Texas', 'Texas', ['Tex.']],
  ['UT', 'Utah', 'Utah', []],
  ['VT', 'Vermont', 'Vermont', ['Vt.']],
  ['VA', 'Virginia', 'Virginie', ['Va.']],
  ['WA', 'Washington', 'État de Washington', ['Wash.']],
  ['WV', 'West Virginia', 'Virginie-Occidentale', ['W.Va.', 'W. Va.']],
  ['WI', 'Wisconsin', 'Wisconsin', ['Wis.', 'Wisc.']],
  ['WY', 'Wyoming', 'Wyoming', ['Wyo.']],
];

/**
 * Approximate geographic centres of large regions whose towns all lie on one
 * side (the middle of their towns would be far from the middle of the region).
 */
export const REGION_CENTRES: Record<string, [number, number]> = {
  'US.AK': [64.0, -152.0],
  'CA.01': [55.0, -115.0], // Alberta
  'CA.02': [54.0, -125.0], // British Columbia
  'CA.03': [55.0, -97.5], // Manitoba
  'CA.05': [53.0, -60.0], // Newfoundland and Labrador
  'CA.08': [50.0, -85.0], // Ontario
  'CA.10': [52.0, -72.0], // Quebec
  'CA.11': [54.5, -106.0], // Saskatchewan
  'CA.12': [63.6, -135.5], // Yukon
  'CA.13': [64.0, -118.0], // Northwest Territories
  'CA.14': [70.0, -90.0], // Nunavut
  'AU.08': [-25.5, 122.0], // Western Australia
  'AU.04': [-22.5, 144.5], // Queensland
  'AU.03': [-19.5, 133.0], // Northern Territory
  'AU.05': [-30.0, 135.5], // South Australia
};

/**
 * First-level regions outside the US, located by one city they contain (the
 * admin1 code is read from that city, so no code table can drift):
 * [country, anchor city, English name, French name, ...other names].
 */
export const ANCHORED_REGIONS: string[][] = [
  // United Kingdom nations
  ['GB', 'London', 'England', 'Angleterre'],
  ['GB', 'Edinburgh', 'Scotland', 'Écosse'],
  ['GB', 'Cardiff', 'Wales', 'pays de Galles', 'Pays de Galles'],
  ['GB', 'Belfast', 'Northern Ireland', 'Irlande du Nord'],
  // Canada
  ['CA', 'Calgary', 'Alberta', 'Alberta'],
  ['CA', 'Vancouver', 'British Columbia', 'Colombie-Britannique'],
  ['CA', 'Winnipeg', 'Manitoba', 'Manitoba'],
  ['CA', 'Moncton', 'New Brunswick', 'Nouveau-Brunswick'],
  ['CA', "St. John's", 'Newfoundland and Labrador', 'Terre-Neuve-et-Labrador', 'Newfoundland', 'Terre-Neuve'],
  ['CA', 'Halifax', 'Nova Scotia', 'Nouvelle-Écosse'],
  ['CA', 'Toronto', 'Ontario', 'Ontario'],
  ['CA', 'Charlottetown', 'Prince Edward Island', 'Île-du-Prince-Édouard'],
  ['CA', 'Montréal', 'Quebec', 'Québec'],
  ['CA', 'Saskatoon', 'Saskatchewan', 'Saskatchewan'],
  ['CA', 'Whitehorse', 'Yukon', 'Yukon'],
  ['CA', 'Yellowknife', 'Northwest Territories', 'Territoires du Nord-Ouest'],
  ['CA', 'Iqaluit', 'Nunavut', 'Nunavut'],
  // France: régions
  ['FR', 'Paris', 'Île-de-France', 'Île-de-France'],
  ['FR', 'Orléans', 'Centre-Val de Loire', 'Centre-Val de Loire'],
  ['FR', 'Dijon', 'Bourgogne-Franche-Comté', 'Bourgogne-Franche-Comté', 'Burgundy', 'Bourgogne', 'Franche-Comté'],
  ['FR', 'Rouen', 'Normandy', 'Normandie'],
  ['FR', 'Lille', 'Hauts-de-France', 'Hauts-de-France', 'Nord-Pas-de-Calais', 'Picardie', 'Picardy'],
  ['FR', 'Strasbourg', 'Grand Est', 'Grand Est', 'Alsace', 'Lorraine', 'Champagne-Ardenne'],
  ['FR', 'Nantes', 'Pays de la Loire', 'Pays de la Loire'],
  ['FR', 'Rennes', 'Brittany', 'Bretagne'],
  ['FR', 'Bordeaux', 'Nouvelle-Aquitaine', 'Nouvelle-Aquitaine', 'Aquitaine', 'Limousin', 'Poitou-Charentes'],
  ['FR', 'Toulouse', 'Occitania', 'Occitanie', 'Languedoc-Roussillon', 'Midi-Pyrénées', 'Languedoc'],
  ['FR', 'Lyon', 'Auvergne-Rhône-Alpes', 'Auvergne-Rhône-Alpes', 'Rhône-Alpes', 'Auvergne'],
  ['FR', 'Marseille', "Provence-Alpes-Côte d'Azur", "Provence-Alpes-Côte d'Azur", 'PACA', 'Provence', "Côte d'Azur", 'French Riviera'],
  ['FR', 'Ajaccio', 'Corsica', 'Corse'],
  // Germany
  ['DE', 'Stuttgart', 'Baden-Württemberg', 'Bade-Wurtemberg'],
  ['DE', 'Munich', 'Bavaria', 'Bavière', 'Bayern'],
  ['DE', 'Frankfurt am Main', 'Hesse', 'Hesse', 'Hessen'],
  ['DE', 'Hanover', 'Lower Saxony', 'Basse-Saxe', 'Niedersachsen'],
  ['DE', 'Köln', 'North Rhine-Westphalia', 'Rhénanie-du-Nord-Westphalie', 'Nordrhein-Westfalen'],
  ['DE', 'Mainz', 'Rhineland-Palatinate', 'Rhénanie-Palatinat', 'Rheinland-Pfalz'],
  ['DE', 'Saarbrücken', 'Saarland', 'Sarre'],
  ['DE', 'Kiel', 'Schleswig-Holstein', 'Schleswig-Holstein'],
  ['DE', 'Potsdam', 'Brandenburg', 'Brandebourg'],
  ['DE', 'Rostock', 'Mecklenburg-Vorpommern', 'Mecklembourg-Poméranie-Occidentale', 'Mecklenburg-Western Pomerania'],
  ['DE', 'Dresden', 'Saxony', 'Saxe', 'Sachsen'],
  ['DE', 'Magdeburg', 'Saxony-Anhalt', 'Saxe-Anhalt', 'Sachsen-Anhalt'],
  ['DE', 'Erfurt', 'Thuringia', 'Thuringe', 'Thüringen'],
  // Australia
  ['AU', 'Sydney', 'New South Wales', 'Nouvelle-Galles du Sud'],
  ['AU', 'Melbourne', 'Victoria', 'Victoria'],
  ['AU', 'Brisbane', 'Queensland', 'Queensland'],
  ['AU', 'Perth', 'Western Australia', 'Australie-Occidentale'],
  ['AU', 'Adelaide', 'South Australia', 'Australie-Méridionale'],
  ['AU', 'Hobart', 'Tasmania', 'Tasmanie'],
  ['AU', 'Darwin', 'Northern Territory', 'Territoire du Nord'],
  // Italy
  ['IT', 'Milan', 'Lombardy', 'Lombardie', 'Lombardia'],
  ['IT', 'Rome', 'Lazio', 'Latium'],
  ['IT', 'Naples', 'Campania', 'Campanie'],
  ['IT', 'Florence', 'Tuscany', 'Toscane', 'Toscana'],
  ['IT', 'Palermo', 'Sicily', 'Sicile', 'Sicilia'],
  ['IT', 'Turin', 'Piedmont', 'Piémont', 'Piemonte'],
  ['IT', 'Venice', 'Veneto', 'Vénétie'],
  ['IT', 'Bologna', 'Emilia-Romagna', 'Émilie-Romagne'],
  ['IT', 'Genoa', 'Liguria', 'Ligurie'],
  ['IT', 'Bari', 'Apulia', 'Pouilles', 'Puglia'],
  ['IT', 'Cagliari', 'Sardinia', 'Sardaigne', 'Sardegna'],
  ['IT', 'Catanzaro', 'Calabria', 'Calabre'],
  ['IT', 'Trieste', 'Friuli-Venezia Giulia', 'Frioul-Vénétie Julienne'],
  ['IT', 'Aosta', 'Aosta Valley', "Vallée d'Aoste"],
  // Spain
  ['ES', 'Sevilla', 'Andalusia', 'Andalousie', 'Andalucía'],
  ['ES', 'Barcelona', 'Catalonia', 'Catalogne', 'Catalunya', 'Cataluña'],
  ['ES', 'Madrid', 'Community of Madrid', 'Communauté de Madrid'],
  ['ES', 'Valencia', 'Valencian Community', 'Communauté valencienne'],
  ['ES', 'Bilbao', 'Basque Country', 'Pays basque', 'Euskadi'],
  ['ES', 'Santiago de Compostela', 'Galicia', 'Galice'],
  ['ES', 'Zaragoza', 'Aragon', 'Aragon'],
  ['ES', 'Las Palmas de Gran Canaria', 'Canary Islands', 'Canaries', 'îles Canaries'],
  ['ES', 'Palma', 'Balearic Islands', 'Baléares', 'îles Baléares'],
  ['ES', 'Pamplona', 'Navarre', 'Navarre'],
  ['ES', 'Oviedo', 'Asturias', 'Asturies'],
  // Belgium, Switzerland (selected)
  ['BE', 'Liège', 'Wallonia', 'Wallonie'],
  ['BE', 'Antwerpen', 'Flanders', 'Flandre'],
  // China, India (selected)
  ['RU', 'Makhachkala', 'Dagestan', 'Daghestan'],
  ['CN', 'Ürümqi', 'Xinjiang', 'Xinjiang'],
  ['CN', 'Lhasa', 'Tibet', 'Tibet'],
  ['CN', 'Guangzhou', 'Guangdong', 'Guangdong'],
  ['IN', 'Srinagar', 'Kashmir', 'Cachemire', 'Jammu and Kashmir'],
];

/**
 * Regions best given by a point (disputed, historical or spanning borders):
 * [country or '' for multinational, English name, French name, lat, lon, ...other names].
 */
export const POINT_REGIONS: [string, string, string, number, number, ...string[]][] = [
  ['GE', 'Abkhazia', 'Abkhazie', 43.0, 41.0],
  ['GE', 'South Ossetia', 'Ossétie du Sud', 42.3, 44.0],
  ['RU', 'Chechnya', 'Tchétchénie', 43.4, 45.7],
  ['RU', 'Siberia', 'Sibérie', 60.0, 100.0],
  ['UA', 'Crimea', 'Crimée', 45.3, 34.4],
  ['UA', 'Donbas', 'Donbass', 48.0, 38.0, 'Donbass'],
  ['SD', 'Darfur', 'Darfour', 13.5, 24.5],
  ['IQ', 'Kurdistan', 'Kurdistan', 36.4, 44.4],
  ['', 'Caucasus', 'Caucase', 42.5, 44.5],
  ['', 'Balkans', 'Balkans', 43.0, 21.0],
  ['', 'Sahel', 'Sahel', 15.0, 5.0],
  ['', 'Scandinavia', 'Scandinavie', 62.0, 15.0],
  ['', 'Caribbean', 'Caraïbes', 15.0, -73.0],
  ['', 'European Union', 'Union européenne', 50.85, 4.35, 'EU', 'UE'],
  ['ET', 'Tigray', 'Tigré', 14.0, 38.5],
  ['ET', 'Oromia', 'Oromia', 7.5, 39.5],
  ['ET', 'Amhara', 'Amhara', 11.5, 38.0],
  ['CD', 'North Kivu', 'Nord-Kivu', -0.7, 29.0],
  ['CD', 'South Kivu', 'Sud-Kivu', -3.0, 28.3],
  ['CD', 'Ituri', 'Ituri', 1.6, 29.9],
  ['CD', 'Kasai', 'Kasaï', -5.0, 21.5],
  ['MZ', 'Cabo Delgado', 'Cabo Delgado', -12.3, 39.5],
  ['SN', 'Casamance', 'Casamance', 12.8, -15.5],
  ['NG', 'Borno', 'Borno', 11.8, 13.2],
  ['SD', 'Kordofan', 'Kordofan', 12.5, 29.5],
  ['GB', 'Cambridgeshire', 'Cambridgeshire', 52.2, 0.1],
  ['GB', 'Oxfordshire', 'Oxfordshire', 51.8, -1.3],
  ['GB', 'Lancashire', 'Lancashire', 53.8, -2.6],
  ['GB', 'Yorkshire', 'Yorkshire', 54.0, -1.5],
  ['GB', 'Kent', 'Kent', 51.2, 0.7],
  ['GB', 'Essex', 'Essex', 51.8, 0.6],
  ['GB', 'Surrey', 'Surrey', 51.25, -0.4],
  ['GB', 'Sussex', 'Sussex', 50.9, -0.3],
  ['GB', 'Devon', 'Devon', 50.7, -3.8],
  ['GB', 'Cornwall', 'Cornouailles', 50.4, -4.9],
  ['GB', 'Suffolk', 'Suffolk', 52.2, 1.0],
  ['GB', 'Hampshire', 'Hampshire', 51.05, -1.3],
];

/** French départements: INSEE code, name (coordinates come from their communes). */
export const FR_DEPARTEMENTS: [string, string][] = [
  ['01', 'Ain'], ['02', 'Aisne'], ['03', 'Allier'], ['04', 'Alpes-de-Haute-Provence'], ['05', 'Hautes-Alpes'],
  ['06', 'Alpes-Maritimes'], ['07', 'Ardèche'], ['08', 'Ardennes'], ['09', 'Ariège'], ['10', 'Aube'],
  ['11', 'Aude'], ['12', 'Aveyron'], ['13', 'Bouches-du-Rhône'], ['14', 'Calvados'], ['15', 'Cantal'],
  ['16', 'Charente'], ['17', 'Charente-Maritime'], ['18', 'Cher'], ['19', 'Corrèze'], ['2A', 'Corse-du-Sud'],
  ['2B', 'Haute-Corse'], ['21', "Côte-d'Or"], ['22', "Côtes-d'Armor"], ['23', 'Creuse'], ['24', 'Dordogne'],
  ['25', 'Doubs'], ['26', 'Drôme'], ['27', 'Eure'], ['28', 'Eure-et-Loir'], ['29', 'Finistère'],
  ['30', 'Gard'], ['31', 'Haute-Garonne'], ['32', 'Gers'], ['33', 'Gironde'], ['34', 'Hérault'],
  ['35', 'Ille-et-Vilaine'], ['36', 'Indre'], ['37', 'Indre-et-Loire'], ['38', 'Isère'], ['39', 'Jura'],
  ['40', 'Landes'], ['41', 'Loir-et-Cher'], ['42', 'Loire'], ['43', 'Haute-Loire'], ['44', 'Loire-Atlantique'],
  ['45', 'Loiret'], ['46', 'Lot'], ['47', 'Lot-et-Garonne'], ['48', 'Lozère'], ['49', 'Maine-et-Loire'],
  ['50', 'Manche'], ['51', 'Marne'], ['52', 'Haute-Marne'], ['53', 'Mayenne'], ['54', 'Meurthe-et-Moselle'],
  ['55', 'Meuse'], ['56', 'Morbihan'], ['57', 'Moselle'], ['58', 'Nièvre'], ['59', 'Nord'],
  ['60', 'Oise'], ['61', 'Orne'], ['62', 'Pas-de-Calais'], ['63', 'Puy-de-Dôme'], ['64', 'Pyrénées-Atlantiques'],
  ['65', 'Hautes-Pyrénées'], ['66', 'Pyrénées-Orientales'], ['67', 'Bas-Rhin'], ['68', 'Haut-Rhin'], ['69', 'Rhône'],
  ['70', 'Haute-Saône'], ['71', 'Saône-et-Loire'], ['72', 'Sarthe'], ['73', 'Savoie'], ['74', 'Haute-Savoie'],
  ['76', 'Seine-Maritime'], ['77', 'Seine-et-Marne'], ['78', 'Yvelines'], ['79', 'Deux-Sèvres'],
  ['80', 'Somme'], ['81', 'Tarn'], ['82', 'Tarn-et-Garonne'], ['83', 'Var'], ['84', 'Vaucluse'],
  ['85', 'Vendée'], ['86', 'Vienne'], ['87', 'Haute-Vienne'], ['88', 'Vosges'], ['89', 'Yonne'],
  ['90', 'Territoire de Belfort'], ['91', 'Essonne'], ['92', 'Hauts-de-Seine'], ['93', 'Seine-Saint-Denis'],
  ['94', 'Val-de-Marne'], ['95', "Val-d'Oise"],
];

/**
 * Other names of cities: [alias, name in the city data, country, 'fr' when
 * it is the French name]. French exonyms, English forms of local names, and
 * common short forms.
 */
export const CITY_ALIASES: [alias: string, target: string, country: string, lang?: 'fr'][] = [
  // French exonyms
  ['Londres', 'London', 'GB', 'fr'], ['Pékin', 'Beijing', 'CN', 'fr'], ['Moscou', 'Moscow', 'RU', 'fr'],
  ['Bruxelles', 'Brussels', 'BE', 'fr'], ['Genève', 'Genève', 'CH', 'fr'], ['Munich', 'Munich', 'DE'],
  ['Le Caire', 'Cairo', 'EG', 'fr'], ['Alger', 'Algiers', 'DZ', 'fr'], ['La Nouvelle-Orléans', 'New Orleans', 'US', 'fr'],
  ['Nouvelle-Orléans', 'New Orleans', 'US', 'fr'], ['Varsovie', 'Warsaw', 'PL', 'fr'], ['Séoul', 'Seoul', 'KR', 'fr'],
  ['Vienne', 'Vienna', 'AT', 'fr'], ['Prague', 'Prague', 'CZ'], ['Lisbonne', 'Lisbon', 'PT', 'fr'],
  ['Copenhague', 'Copenhagen', 'DK', 'fr'], ['Athènes', 'Athens', 'GR', 'fr'], ['Séville', 'Sevilla', 'ES', 'fr'],
  ['Anvers', 'Antwerpen', 'BE', 'fr'], ['Venise', 'Venice', 'IT', 'fr'], ['Milan', 'Milan', 'IT'], ['Naples', 'Naples', 'IT'],
  ['Florence', 'Florence', 'IT'], ['Turin', 'Turin', 'IT'], ['Gênes', 'Genoa', 'IT', 'fr'], ['Rome', 'Rome', 'IT'],
  ['Cologne', 'Köln', 'DE', 'fr'], ['Francfort', 'Frankfurt am Main', 'DE', 'fr'], ['Aix-la-Chapelle', 'Aachen', 'DE', 'fr'],
  ['Mayence', 'Mainz', 'DE', 'fr'], ['Nuremberg', 'Nürnberg', 'DE', 'fr'], ['Hambourg', 'Hamburg', 'DE', 'fr'],
  ['Brême', 'Bremen', 'DE', 'fr'], ['Dresde', 'Dresden', 'DE', 'fr'], ['Berlin', 'Berlin', 'DE'],
  ['Cracovie', 'Kraków', 'PL', 'fr'], ['Dantzig', 'Gdańsk', 'PL', 'fr'], ['Bruges', 'Brugge', 'BE', 'fr'], ['Gand', 'Gent', 'BE', 'fr'],
  ['Louvain', 'Leuven', 'BE', 'fr'], ['Bâle', 'Basel', 'CH', 'fr'], ['Lucerne', 'Luzern', 'CH'], ['Zurich', 'Zürich', 'CH'],
  ['Thessalonique', 'Thessaloniki', 'GR', 'fr'], ['Nicosie', 'Nicosia', 'CY', 'fr'], ['La Havane', 'Havana', 'CU', 'fr'],
  ['Mexico', 'Mexico City', 'MX', 'fr'], ['Tokyo', 'Tokyo', 'JP'], ['Saint-Pétersbourg', 'Saint Petersburg', 'RU', 'fr'],
  ['Kiev', 'Kyiv', 'UA'], ['Kyiv', 'Kyiv', 'UA'], ['Bucarest', 'Bucharest', 'RO', 'fr'], ['Belgrade', 'Belgrade', 'RS'],
  ['La Haye', 'The Hague', 'NL', 'fr'], ['Den Haag', 'The Hague', 'NL'], ['Gothenburg', 'Göteborg', 'SE'],
  ['Bombay', 'Mumbai', 'IN'], ['Calcutta', 'Kolkata', 'IN'], ['New Delhi', 'New Delhi', 'IN'],
  ['Hanoï', 'Hanoi', 'VN', 'fr'], ['Hô Chi Minh-Ville', 'Ho Chi Minh City', 'VN', 'fr'], ['Saïgon', 'Ho Chi Minh City', 'VN', 'fr'],
  ['Beyrouth', 'Beirut', 'LB', 'fr'], ['Damas', 'Damascus', 'SY', 'fr'], ['Jérusalem', 'Jerusalem', 'IL', 'fr'],
  ['Bagdad', 'Baghdad', 'IQ', 'fr'], ['Téhéran', 'Tehran', 'IR', 'fr'], ['Riyad', 'Riyadh', 'SA', 'fr'], ['La Mecque', 'Mecca', 'SA', 'fr'],
  ['Tripoli', 'Tripoli', 'LY'], ['Marrakech', 'Marrakesh', 'MA', 'fr'], ['Le Cap', 'Cape Town', 'ZA', 'fr'],
  ['Addis-Abeba', 'Addis Ababa', 'ET', 'fr'], ['Khartoum', 'Khartoum', 'SD'], ['Singapour', 'Singapore', 'SG', 'fr'],
  ['Djakarta', 'Jakarta', 'ID'], ['Canberra', 'Canberra', 'AU'], ['Brasilia', 'Brasília', 'BR'],
  ['Rio', 'Rio de Janeiro', 'BR'], ['Sao Paulo', 'São Paulo', 'BR'], ['Bogota', 'Bogotá', 'CO'],
  ['Montreal', 'Montréal', 'CA'], ['Quebec City', 'Québec', 'CA'], ['Ville de Québec', 'Québec', 'CA', 'fr'],
  ['Édimbourg', 'Edinburgh', 'GB', 'fr'], ['Douvres', 'Dover', 'GB', 'fr'], ['Cantorbéry', 'Canterbury', 'GB', 'fr'],
  ['Tunis', 'Tunis', 'TN'], ['Hong-Kong', 'Hong Kong', 'HK'], ['Macao', 'Macau', 'MO', 'fr'],
  ['Shanghaï', 'Shanghai', 'CN', 'fr'], ['Canton', 'Guangzhou', 'CN', 'fr'], ['Dunkirk', 'Dunkerque', 'FR'],
  ['Marseilles', 'Marseille', 'FR'], ['Lyons', 'Lyon', 'FR'], ['Seville', 'Sevilla', 'ES'],
  ['Antwerp', 'Antwerpen', 'BE'], ['Ghent', 'Gent', 'BE'], ['Geneva', 'Genève', 'CH'],
  ['Kiev', 'Kyiv', 'UA'], ['Cracow', 'Kraków', 'PL'], ['The Hague', 'The Hague', 'NL'],
  ['Washington', 'Washington, D.C.', 'US'], ['Washington DC', 'Washington, D.C.', 'US'],
  ['Washington D.C.', 'Washington, D.C.', 'US'], ['New York', 'New York City', 'US'], ['NYC', 'New York City', 'US'],
  ['New York', 'New York City', 'US'], ['Manhattan', 'Manhattan', 'US'], ['L.A.', 'Los Angeles', 'US'],
  ['Newcastle', 'Newcastle upon Tyne', 'GB'], ['Saint-Denis de La Réunion', 'Saint-Denis', 'RE'], ['Nouméa', 'Nouméa', 'NC'],
];

/** Country abbreviations and short forms that the country data lacks. */
export const COUNTRY_ALIASES: [string, string][] = [
  ['U.S.', 'US'], ['US', 'US'], ['U.S.A.', 'US'], ['USA', 'US'], ['America', 'US'], ['United States of America', 'US'],
  ['États-Unis', 'US'], ['Etats-Unis', 'US'], ['Amérique', 'US'],
  ['UK', 'GB'], ['U.K.', 'GB'], ['Britain', 'GB'], ['Great Britain', 'GB'], ['Grande-Bretagne', 'GB'],
  ['Royaume-Uni', 'GB'], ['Holland', 'NL'], ['Hollande', 'NL'], ['Russie', 'RU'], ['Burma', 'MM'],
  ['Ivory Coast', 'CI'], ["Côte d'Ivoire", 'CI'], ['Congo-Kinshasa', 'CD'], ['RDC', 'CD'], ['RDC Congo', 'CD'],
  ['Congo-Brazzaville', 'CG'], ['Palestine', 'PS'], ['Gaza', 'PS'], ['Gaza Strip', 'PS'], ['bande de Gaza', 'PS'],
  ['West Bank', 'PS'], ['Cisjordanie', 'PS'], ['Vatican', 'VA'], ['Czechia', 'CZ'], ['Tchéquie', 'CZ'],
  ['South Korea', 'KR'], ['Corée du Sud', 'KR'], ['North Korea', 'KP'], ['Corée du Nord', 'KP'],
  ['Taïwan', 'TW'], ['Iran', 'IR'], ['Syrie', 'SY'], ['Turkey', 'TR'], ['Türkiye', 'TR'], ['Turquie', 'TR'],
];

/** Demonyms the country data lacks or gets in another form: [demonym, country]. */
export const DEMONYM_ALIASES: [string, string][] = [
  ['American', 'US'], ['américain', 'US'], ['British', 'GB'], ['britannique', 'GB'], ['Briton', 'GB'], ['Brit', 'GB'],
  ['English', 'GB'], ['anglais', 'GB'], ['Scottish', 'GB'], ['écossais', 'GB'], ['Welsh', 'GB'], ['gallois', 'GB'],
  ['Dutch', 'NL'], ['néerlandais', 'NL'], ['hollandais', 'NL'], ['Palestinian', 'PS'], ['palestinien', 'PS'],
  ['Israeli', 'IL'], ['israélien', 'IL'], ['Filipino', 'PH'], ['philippin', 'PH'], ['Swiss', 'CH'], ['suisse', 'CH'],
  ['Saudi', 'SA'], ['saoudien', 'SA'], ['Emirati', 'AE'], ['émirien', 'AE'], ['Congolese', 'CD'], ['congolais', 'CD'],
  ['Ivorian', 'CI'], ['ivoirien', 'CI'], ['Kosovar', 'XK'], ['Taiwanese', 'TW'], ['taïwanais', 'TW'],
  ['Czech', 'CZ'], ['tchèque', 'CZ'], ['Slovak', 'SK'], ['slovaque', 'SK'], ['Thai', 'TH'], ['thaïlandais', 'TH'],
  ['Sri Lankan', 'LK'], ['sri-lankais', 'LK'], ['New Zealander', 'NZ'], ['néo-zélandais', 'NZ'],
  ['South African', 'ZA'], ['sud-africain', 'ZA'], ['South Korean', 'KR'], ['sud-coréen', 'KR'],
  ['North Korean', 'KP'], ['nord-coréen', 'KP'], ['Québécois', 'CA'], ['Sinhalese', 'LK'], ['cinghalais', 'LK'],
];

/** Region demonyms: [demonym, country, anchor city of the region]. */
export const REGION_DEMONYMS: [string, string, string][] = [
  ['breton', 'FR', 'Rennes'], ['corse', 'FR', 'Ajaccio'], ['alsacien', 'FR', 'Strasbourg'], ['normand', 'FR', 'Rouen'],
  ['francilien', 'FR', 'Paris'], ['québécois', 'CA', 'Montréal'], ['bavarois', 'DE', 'Munich'], ['Bavarian', 'DE', 'Munich'],
  ['catalan', 'ES', 'Barcelona'], ['Catalan', 'ES', 'Barcelona'], ['basque', 'ES', 'Bilbao'], ['sicilien', 'IT', 'Palermo'],
  ['Sicilian', 'IT', 'Palermo'], ['Texan', 'US', 'Houston'], ['Californian', 'US', 'Los Angeles'],
  ['Ohioan', 'US', 'Columbus'], ['Minnesotan', 'US', 'Minneapolis'], ['Floridian', 'US', 'Miami'],
  ['Kentuckian', 'US', 'Louisville'], ['Virginian', 'US', 'Richmond'],
  ['Ontarian', 'CA', 'Toronto'], ['Quebecer', 'CA', 'Montréal'], ['Dagestani', 'RU', 'Makhachkala'],
];

/** Demonyms of big cities: [demonym, city name in the city data, country]. */
export const CITY_DEMONYMS: [string, string, string][] = [
  ['parisien', 'Paris', 'FR'], ['Parisian', 'Paris', 'FR'], ['lyonnais', 'Lyon', 'FR'], ['marseillais', 'Marseille', 'FR'],
  ['toulousain', 'Toulouse', 'FR'], ['bordelais', 'Bordeaux', 'FR'], ['nantais', 'Nantes', 'FR'], ['lillois', 'Lille', 'FR'],
  ['niçois', 'Nice', 'FR'], ['rennais', 'Rennes', 'FR'], ['strasbourgeois', 'Strasbourg', 'FR'],
  ['montpelliérain', 'Montpellier', 'FR'], ['stéphanois', 'Saint-Étienne', 'FR'], ['grenoblois', 'Grenoble', 'FR'],
  ['brestois', 'Brest', 'FR'], ['havrais', 'Le Havre', 'FR'], ['rouennais', 'Rouen', 'FR'], ['nancéien', 'Nancy', 'FR'],
  ['messin', 'Metz', 'FR'], ['dijonnais', 'Dijon', 'FR'], ['angevin', 'Angers', 'FR'], ['toulonnais', 'Toulon', 'FR'],
  ['londonien', 'London', 'GB'], ['Londoner', 'London', 'GB'], ['new-yorkais', 'New York City', 'US'],
  ['New Yorker', 'New York City', 'US'], ['berlinois', 'Berlin', 'DE'], ['Berliner', 'Berlin', 'DE'],
  ['bruxellois', 'Brussels', 'BE'], ['genevois', 'Genève', 'CH'], ['montréalais', 'Montréal', 'CA'],
  ['Muscovite', 'Moscow', 'RU'], ['moscovite', 'Moscow', 'RU'], ['madrilène', 'Madrid', 'ES'],
  ['barcelonais', 'Barcelona', 'ES'], ['Barcelonan', 'Barcelona', 'ES'], ['algérois', 'Algiers', 'DZ'],
  ['dakarois', 'Dakar', 'SN'], ['abidjanais', 'Abidjan', 'CI'], ['kinois', 'Kinshasa', 'CD'],
];

/** Demonyms of point regions: [demonym, region name]. */
export const POINT_REGION_DEMONYMS: [string, string][] = [
  ['South Ossetian', 'South Ossetia'], ['Abkhaz', 'Abkhazia'], ['Abkhazian', 'Abkhazia'], ['Chechen', 'Chechnya'],
  ['tchétchène', 'Chechnya'], ['Kurdish', 'Kurdistan'], ['kurde', 'Kurdistan'], ['Siberian', 'Siberia'],
  ['Caribbean', 'Caribbean'], ['European', 'European Union'], ['européen', 'European Union'],
];

/**
 * Words that name a place but are far more often something else. A match on
 * one of these needs support (a qualifier such as "Reading, Berkshire", or
 * being mid-sentence after a locative preposition).
 */
export const AMBIGUOUS_WORDS_EN = [
  'nice', 'mobile', 'reading', 'bath', 'split', 'orange', 'march', 'may', 'police', 'man', 'best', 'born', 'bar',
  'mayor', 'university', 'college', 'hospital', 'church', 'school', 'county', 'city', 'state', 'street', 'center',
  'centre', 'park', 'lake', 'river', 'valley', 'union', 'independence', 'liberty', 'victory', 'hope', 'faith',
  'friendship', 'harmony', 'unity', 'commerce', 'industry', 'enterprise', 'progress', 'justice', 'opportunity',
  'marathon', 'gary', 'john', 'james', 'david', 'michael', 'george', 'charles', 'mark', 'paul', 'eugene',
  'christmas', 'easter', 'sunday', 'monday', 'friday', 'god', 'home', 'house', 'senate', 'congress', 'parliament',
  'white', 'black', 'green', 'brown', 'young', 'long', 'good', 'mission', 'university', 'republic', 'federal',
  'national', 'general', 'central', 'north', 'south', 'east', 'west', 'northern', 'southern', 'eastern', 'western',
  'media', 'internet', 'energy', 'music', 'phoenix', 'eagle', 'temple', 'trinity', 'university', 'tribune',
  'herald', 'gazette', 'post', 'times', 'ap', 'cbs', 'abc', 'cnn', 'nbc', 'fox', 'mr', 'mrs', 'ms', 'dr',
  'avenue', 'road', 'highway', 'bridge', 'airport', 'station', 'square', 'sun', 'moon', 'star', 'earth', 'life',
  'bay', 'beach', 'island', 'mount', 'fort', 'port', 'new', 'old', 'saint', 'st', 'san', 'santa', 'la', 'le', 'los',
  'las', 'el', 'de', 'del', 'van', 'von', 'obama', 'bush', 'clinton', 'lincoln', 'jackson', 
  'of', 'on', 'in', 'at', 'by', 'to', 'is', 'it', 'as', 'or', 'an', 'be', 'we', 'he', 
  'said', 'says', 'office', 'department', 'board', 'council', 'court', 'jail', 'prison', 'club', 'team',
  'sale', 'deal', 'bank', 'market', 'rock', 'hall', 'hill', 'wood', 'field', 'land', 'ford', 'price', 'cash',
];

export const AMBIGUOUS_WORDS_FR = [
  'orange', 'tours', 'vienne', 'grasse', 'sens', 'lens', 'bar', 'cher', 'lot', 'somme', 'nord', 'manche',
  'moulins', 'condom', 'ham', 'mans', 'marne', 'mer', 'saint', 'sainte', 'port', 'mont', 'pont',
  'ville', 'fort', 'plage', 'bourg', 'est', 'ouest', 'sud', 'centre', 'mai', 'mars', 'juin', 'paix', 'union', 'bien',
  'ile', 'pays', 'gouvernement', 'police', 'justice', 'president', 'maire', 'etat', 'republique', 'orient', 'gap',
  'bois', 'champs', 'vert', 'verte', 'rose', 'blanc', 'noir', 'roche', 'val', 'lac', 'rive', 'foret', 'moutiers',
  'charges', 'issue', 'menton', 'delta',
  // English words met in French text inside names ("University of Oxford")
  'university', 'college', 'school', 'state', 'city', 'county', 'street', 'park', 'center', 'hospital',
];
